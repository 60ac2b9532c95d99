"""The run log's column names and statuses (DESIGN.md 5.4), apart from the table
definitions so that writing and exporting rows needs no SQLAlchemy import."""

#: The contract columns of one job execution attempt, in export order.
RUN_COLUMNS = (
    "reduction_id",
    "workflow",
    "job_id",
    "task",
    "recipe",
    "planner",
    "attempt",
    "status",
    "start_ts",
    "end_ts",
    "wall_s",
    "cpu_s",
    "worker",
    "n_inputs",
    "input_bytes",
    "target",
    "skippable",
    "parents",
    "slots",
    "features",
    "parameters",
    "qc",
    "effect",
    "tolerance",
    "changed",
    "cache_reason",
    "error",
    "night",
)

#: Columns holding JSON text (objects); exports to JSON decode them.
JSON_COLUMNS = ("parents", "slots", "features", "parameters", "qc")

#: The five job statuses, in the order a summary lists them.
STATUSES = ("succeeded", "failed", "skipped", "cached", "incomplete")
