"""Run the real Agno AgentOS on 127.0.0.1 (argv: port, SQLite file) for the differential test.

No model and no network: only the AgentOS routes over a SQLite database, with the bearer key
`OS_SECURITY_KEY` (default `test-token`, the mock's test token).
"""

import os
import sys

os.environ.setdefault("OS_SECURITY_KEY", "test-token")

import uvicorn
from agno.db.sqlite import SqliteDb
from agno.os import AgentOS

app = AgentOS(db=SqliteDb(db_file=sys.argv[2])).get_app()
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
