"""Test-only helpers shared by several test folders (never imported by product code)."""
