from liangxian.cli import main

raise SystemExit(main())
