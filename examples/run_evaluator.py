"""Run the ready evaluators (JsonValid, ExactMatch) over a project and print the summaries.

    export ANNOTRACE_BASE_URL=http://127.0.0.1:6180
    export ANNOTRACE_API_KEY=...  ANNOTRACE_SECRET_KEY=...
    python examples/run_evaluator.py my-project

ExactMatch compares each span's output with its `expected_output` attribute (spans without
one are left unscored). Run it twice: the second run skips the spans already scored.
"""

from __future__ import annotations

import argparse
import os

import annotrace
from annotrace.evals import ExactMatch, JsonValid, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", help="project name or id")
    parser.add_argument("--rescore", action="store_true", help="score spans scored before")
    parser.add_argument("--run-id", default=None, help="eval run id stored with the scores")
    arguments = parser.parse_args()
    base_url = os.environ.get("ANNOTRACE_BASE_URL", "http://127.0.0.1:6180")
    with annotrace.Client(base_url) as client:  # keys from ANNOTRACE_API_KEY / _SECRET_KEY
        for evaluator in (JsonValid(), ExactMatch()):
            summary = run(
                client,
                arguments.project,
                evaluator,
                rescore=arguments.rescore,
                run_id=arguments.run_id,
            )
            print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
