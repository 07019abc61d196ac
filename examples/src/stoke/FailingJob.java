package dev.stoke.examples;

import org.apache.spark.sql.SparkSession;

/** Starts a Spark session, runs one small job, then throws: the driver exits non-zero. */
public final class FailingJob {
  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().appName("Stoke FailingJob").getOrCreate();
    long n = spark.range(10).count();
    throw new IllegalStateException("FailingJob fails on purpose after counting " + n + " rows");
  }
}
