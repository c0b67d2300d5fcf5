"""Exit 0 when the PostgreSQL server of the URL answers (the database itself need not exist yet)."""

import sys
from urllib.parse import urlsplit

import psycopg

url = urlsplit(sys.argv[1])
try:
    psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres", connect_timeout=3
    ).close()
except psycopg.OperationalError as error:
    print(f"PostgreSQL not reachable: {error}".strip(), file=sys.stderr)
    sys.exit(1)
