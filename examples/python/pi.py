"""Estimates pi with PySpark: argv[1] partitions (default 2), 100,000 samples each; then, for argv[2]
seconds (default 0), stays up with the Spark UI open."""
import random
import sys
import time

from pyspark.sql import SparkSession


def hits(seed: int) -> int:
    rng = random.Random(seed)
    inside = 0
    for _ in range(100_000):
        x, y = rng.random() * 2 - 1, rng.random() * 2 - 1
        if x * x + y * y <= 1:
            inside += 1
    return inside


if __name__ == "__main__":
    partitions = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    spark = SparkSession.builder.appName("Stoke PySpark pi").getOrCreate()
    inside = spark.sparkContext.parallelize(range(partitions), partitions).map(hits).sum()
    print(f"Pi is roughly {4.0 * inside / (partitions * 100_000)}", flush=True)
    time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
    spark.stop()
