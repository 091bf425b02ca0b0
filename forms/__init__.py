"""The domain core of liangxian: validators, regional policy packs (data) and the engine that reads
them, and the forms declared as data. Knows nothing of Qt, SQL or HTTP."""
