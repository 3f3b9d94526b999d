"""Rate limits whose counters every server process shares: in Redis when TENANTGRID_REDIS_URL is
set, else in a PostgreSQL table. `guard.rate_limit` limits an API key; `guard.guard_login` limits
sign-in attempts per client address and per account."""
