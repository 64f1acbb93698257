"""Instrument a small LLM application with OpenTelemetry and send its traces to annotrace.

    export ANNOTRACE_BASE_URL=http://127.0.0.1:6180
    export ANNOTRACE_API_KEY=atk_demo ANNOTRACE_SECRET_KEY=ats_demo
    python examples/send_traces.py [--project my-app] [--questions 5]

The "application" answers support questions with a retrieval step and a model call (made
up here, so nothing needs a model or the network beyond annotrace). Each question becomes
one trace: an AGENT span with a RETRIEVER and an LLM span under it, with the OpenInference
attributes annotrace reads (kinds, input and output, chat messages, model, token counts).
It prints the trace ids it sent.
"""

from __future__ import annotations

import argparse
import json
import os

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Tracer

QUESTIONS = [
    "What is the refund policy?",
    "How long does shipping take?",
    "Can I change my delivery address?",
    "Do you ship to Canada?",
    "How do I reset my password?",
]
POLICY = {
    "refund": "Refunds are accepted within 30 days of delivery.",
    "shipping": "Orders ship within 2 business days; delivery takes 3 to 5 days.",
    "address": "The address can be changed until the order ships.",
    "canada": "We ship to Canada; duties are paid on delivery.",
    "password": "Use 'Forgot password' on the sign-in page to get a reset link.",
}


def retrieve(question: str) -> list[str]:
    words = question.lower()
    return [text for key, text in POLICY.items() if key in words] or [POLICY["shipping"]]


def answer(tracer: Tracer, question: str) -> str:
    with tracer.start_as_current_span("support_agent") as agent:
        agent.set_attribute("openinference.span.kind", "AGENT")
        agent.set_attribute("input.value", question)
        with tracer.start_as_current_span("retrieve_policy") as retriever:
            retriever.set_attribute("openinference.span.kind", "RETRIEVER")
            retriever.set_attribute("input.value", question)
            documents = retrieve(question)
            retriever.set_attribute("output.value", json.dumps(documents))
            retriever.set_attribute("output.mime_type", "application/json")
        with tracer.start_as_current_span("ChatCompletion") as llm:
            reply = f"{documents[0]} Anything else I can help with?"
            llm.set_attribute("openinference.span.kind", "LLM")
            llm.set_attribute("llm.model_name", "example-model-1")
            llm.set_attribute("input.value", question)
            llm.set_attribute("output.value", reply)
            llm.set_attribute("llm.input_messages.0.message.role", "system")
            llm.set_attribute(
                "llm.input_messages.0.message.content", "Answer from: " + documents[0]
            )
            llm.set_attribute("llm.input_messages.1.message.role", "user")
            llm.set_attribute("llm.input_messages.1.message.content", question)
            llm.set_attribute("llm.output_messages.0.message.role", "assistant")
            llm.set_attribute("llm.output_messages.0.message.content", reply)
            llm.set_attribute("llm.token_count.prompt", 40 + len(question.split()))
            llm.set_attribute("llm.token_count.completion", len(reply.split()))
        agent.set_attribute("output.value", reply)
        return f"{agent.get_span_context().trace_id:032x}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default="example-support-app", help="annotrace project")
    parser.add_argument("--questions", type=int, default=len(QUESTIONS), help="how many")
    arguments = parser.parse_args()
    base_url = os.environ.get("ANNOTRACE_BASE_URL", "http://127.0.0.1:6180").rstrip("/")
    exporter = OTLPSpanExporter(
        endpoint=f"{base_url}/v1/traces",
        headers={
            "X-Api-Key": os.environ["ANNOTRACE_API_KEY"],
            "X-Secret-Key": os.environ["ANNOTRACE_SECRET_KEY"],
        },
    )
    # The resource names the project the spans land in.
    resource = Resource.create(
        {"service.name": "support-app", "openinference.project.name": arguments.project}
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("example-support-app")
    for index in range(arguments.questions):
        print(answer(tracer, QUESTIONS[index % len(QUESTIONS)]))
    # Sends what is left in the batch and waits for annotrace's answer.
    provider.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
