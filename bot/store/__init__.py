"""Storage: SQLModel tables on SQLite (default, zero set-up) or PostgreSQL (DATABASE_URL).

Public API: `Database` (bot.store.database), `database_url()` / `sqlite_url()` (bot.store.settings),
`upgrade(db)` / `ensure_schema(db)` (bot.store.migrate; the Alembic scripts live in
bot/store/migrations so an installed package can migrate without the repository),
the tables (bot.store.tables) and the report records (bot.store.records).
"""
