"""The pipeline's job layer (data/pipeline/dispatch.py) on the local shell, with tasks that
succeed, fail once and then succeed, and always fail; then tasks that log the order they ran in
(one job: the order given), and the grouping of seven tasks into jobs of four (dealt
round-robin, each job in the order given). Prints a JSON summary for test/dispatch.test.ts: which
tasks are reported failed, with what log, how often each ran, the order and the grouping.

  python test/dispatch_check.py <pipeline dir> <work dir>
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from dispatch import Runner, Task, _group_in_order, _import_dpdispatcher  # noqa: E402

root = Path(sys.argv[2])
root.mkdir(parents=True, exist_ok=True)
machine = root / "machine.json"
machine.write_text(json.dumps({"batch_type": "Shell", "context_type": "LazyLocalContext", "local_root": "./",
                               "retry_count": 2}))
resources = root / "resources.json"
resources.write_text(json.dumps({"number_node": 1, "cpu_per_node": 1, "gpu_per_node": 0, "queue_name": "",
                                 "group_size": 1}))
tasks = []
scripts = {
    "ok": "echo run >> runs; echo fine > done",
    "flaky": "echo run >> runs; if [ $(wc -l < runs) -lt 2 ]; then echo 'first attempt lost' >&2; exit 7; fi; echo fine > done",
    "broken": "echo run >> runs; echo 'SCF did not converge in 60 iterations' >&2; exit 3",
}
for name, cmd in scripts.items():
    (root / "tasks" / name).mkdir(parents=True, exist_ok=True)
    tasks.append(Task(name=name, work_path=name, command=cmd, done="done"))
runner = Runner(str(machine), str(resources), python=sys.executable, check_interval=1)
failed = runner.run(tasks, root / "tasks", "check")
runs = {n: len((root / "tasks" / n / "runs").read_text().splitlines()) for n in scripts}

names = [f"t{i}" for i in range(6)]
order_tasks = []
for name in names:
    (root / "order" / name).mkdir(parents=True, exist_ok=True)
    order_tasks.append(Task(name=name, work_path=name, command=f"echo {name} >> ../order.log; echo ok > done", done="done"))
assert not Runner(workers=1, python=sys.executable, check_interval=1).run(order_tasks, root / "order", "order")
order = (root / "order" / "order.log").read_text().split()

dp = _import_dpdispatcher(root)
m = dp.Machine.load_from_dict({"batch_type": "Shell", "context_type": "LazyLocalContext", "local_root": str(root)})
r = dp.Resources.load_from_dict({"number_node": 1, "cpu_per_node": 1, "gpu_per_node": 0, "queue_name": "",
                                 "group_size": 4})
sub = dp.Submission(work_base=".", machine=m, resources=r, forward_common_files=[], backward_common_files=[],
                    task_list=[dp.Task(command="true", task_work_path=f"g{i}") for i in range(7)])
_group_in_order(dp, sub, m, r)
groups = [[t.task_work_path for t in job.job_task_list] for job in sub.belonging_jobs]
print(json.dumps({"failed": failed, "runs": runs, "order": order, "groups": groups}))
