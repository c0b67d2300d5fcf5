"""What every `tengri` sub-command shares: exit codes and JSON output.

Exit codes: 0 success, 1 a check failed or something was not found, 2 bad input (usage).
Handlers raise `InvalidInput` for 2 and other `TengriError`s for 1; `tengri.cli.main` maps them.
"""

import json

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))
