"""Pure helpers (geo, time, ids, text, settings). Imports no Django and no Townhall app."""
