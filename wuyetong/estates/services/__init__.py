"""Estate actions, one module per area: bindings (owner registration and review),
resources (communities, buildings, houses, residents, parking …), imports (.xlsx)."""
