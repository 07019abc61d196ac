package dev.stoke.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Estimates pi by sampling points in the unit square, spread over the executors.
 * Argument: the number of partitions (default 2); each samples 100,000 points.
 */
public final class SparkPi {
  public static void main(String[] args) {
    int partitions = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    final int perPartition = 100_000;
    SparkSession spark = SparkSession.builder().appName("Stoke SparkPi").getOrCreate();
    JavaSparkContext sc = new JavaSparkContext(spark.sparkContext());
    List<Integer> seeds = new ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      seeds.add(i);
    }
    long inside = sc.parallelize(seeds, partitions).map(seed -> {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long hits = 0;
      for (int i = 0; i < perPartition; i++) {
        double x = random.nextDouble() * 2 - 1;
        double y = random.nextDouble() * 2 - 1;
        if (x * x + y * y <= 1) {
          hits++;
        }
      }
      return hits;
    }).reduce(Long::sum);
    double pi = 4.0 * inside / ((long) partitions * perPartition);
    System.out.println("Pi is roughly " + pi);
    spark.stop();
  }
}
