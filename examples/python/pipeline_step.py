"""One step of an example Spark pipeline (docs/workflows.md): each command reads and writes a directory
shared by the steps and leaves a short result in the driver's termination message, which Stoke passes to
later steps as {{ .Steps.STEP.Result }}.

  generate DIR PARTS   writes PARTS partitions of rows to DIR/data (Spark); result: the partitions, a JSON list
  count DIR PART       counts the rows of one partition (Spark) into DIR/counts/PART; result: the count
  check DIR            sums DIR/counts; fails unless DIR/approved exists; result: the total
  note DIR STATUS      records the workflow's outcome in DIR/outcome; result: STATUS
  echo TEXT            result: TEXT
"""
import json
import os
import sys

TERMINATION_LOG = "/dev/termination-log"


def result(text: str) -> None:
    print(f"result: {text}")
    try:
        with open(TERMINATION_LOG, "w") as log:
            log.write(text)
    except OSError as err:  # not in a Kubernetes container
        print(f"cannot write {TERMINATION_LOG}: {err}", file=sys.stderr)


def spark(name: str):
    from pyspark.sql import SparkSession

    return SparkSession.builder.appName(name).getOrCreate()


def generate(directory: str, parts: int) -> None:
    session = spark("pipeline generate")
    rows = session.range(0, parts * 1000).selectExpr("id", f"cast(id % {parts} as int) as part")
    rows.write.mode("overwrite").partitionBy("part").parquet(os.path.join(directory, "data"))
    session.stop()
    result(json.dumps([str(p) for p in range(parts)], separators=(",", ":")))


def count(directory: str, part: str) -> None:
    session = spark(f"pipeline count {part}")
    n = session.read.parquet(os.path.join(directory, "data", f"part={part}")).count()
    session.stop()
    os.makedirs(os.path.join(directory, "counts"), exist_ok=True)
    with open(os.path.join(directory, "counts", part), "w") as out:
        out.write(str(n))
    result(str(n))


def check(directory: str) -> None:
    counts = os.path.join(directory, "counts")
    total = sum(int(open(os.path.join(counts, f)).read()) for f in sorted(os.listdir(counts)))
    if not os.path.exists(os.path.join(directory, "approved")):
        print(f"{total} rows counted, but {directory}/approved does not exist", file=sys.stderr)
        sys.exit(3)
    result(str(total))


def note(directory: str, status: str) -> None:
    with open(os.path.join(directory, "outcome"), "w") as out:
        out.write(status)
    result(status)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "generate":
        generate(args[0], int(args[1]))
    elif command == "count":
        count(args[0], args[1])
    elif command == "check":
        check(args[0])
    elif command == "note":
        note(args[0], args[1])
    elif command == "echo":
        result(" ".join(args))
    else:
        sys.exit(f"unknown command {command}")
