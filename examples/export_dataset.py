"""Export a project's spans that reviewers judged good as a golden dataset, and save it.

    export ANNOTRACE_BASE_URL=http://127.0.0.1:6180
    export ANNOTRACE_API_KEY=atk_demo ANNOTRACE_SECRET_KEY=ats_demo
    python examples/export_dataset.py support-bot --label "Response Quality" --value good \\
        --format openai-chat -o good.jsonl [--save good-answers]

Without --label every span of the project is exported. The file is written whole or not
at all; --save also keeps it on the server as a new version of a named dataset.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import annotrace


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", help="project name or id")
    parser.add_argument("--label", help="only spans with an annotation of this label")
    parser.add_argument("--value", help="... whose value is this (with --label)")
    parser.add_argument("--format", default="jsonl", help="jsonl, csv, parquet, openai-chat, …")
    parser.add_argument("-o", "--output", required=True, help="file to write")
    parser.add_argument("--save", metavar="NAME", help="also save it as a dataset version")
    arguments = parser.parse_args()
    base_url = os.environ.get("ANNOTRACE_BASE_URL", "http://127.0.0.1:6180")
    with annotrace.Client(base_url) as client:  # keys from ANNOTRACE_API_KEY / _SECRET_KEY
        project = next(p for p in client.projects.list() if arguments.project in (p.id, p.name))
        span_filter: dict[str, Any] = {"project_id": project.id}
        if arguments.label:
            condition: dict[str, Any] = {"type": "annotation", "label": arguments.label}
            if arguments.value:
                condition["value"] = {"op": "eq", "value": arguments.value}
            span_filter["where"] = condition
        written = client.datasets.export(span_filter, arguments.output, format=arguments.format)
        print(f"wrote {written.path}: {written.span_count} spans, {written.byte_size} bytes")
        if arguments.save:
            version = client.datasets.save(span_filter, arguments.save, format=arguments.format)
            print(f"saved {arguments.save} v{version.version}: {version.record_count} records")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
