"""A reduction in its own process, for the kill -9 and concurrency tests.

python run_sleepers.py ROOT WORKDIR N SECONDS WORKERS forward|reverse [local|dask]
"""

import json
import sys

from radps_seq.execute import execute
from radps_seq.plan import Plan
from tests.execute import recipes_for_tests  # noqa: F401 - registers the test recipes
from tests.execute.helpers import bfs, checked, sleepers

root, workdir, n, seconds, workers, direction, *executor = sys.argv[1:]
c, jobs, final = sleepers(root, int(n), float(seconds))
order = jobs if direction == "forward" else jobs[::-1]
plan = checked(c.graph, Plan("manual", [*order, final])) if direction == "reverse" else bfs(c.graph)
result = execute(c.graph, plan, workdir=workdir, workers=int(workers),
                 executor=executor[0] if executor else "local")
print(json.dumps(result.to_dict()))
