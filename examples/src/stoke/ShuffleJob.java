package dev.stoke.examples;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * A shuffle-heavy job: generates rows (argument 1, default 2,000,000) over partitions (argument 2,
 * default 8), regroups them by key across the executors, and checks that no row was lost on the way.
 */
public final class ShuffleJob {
  public static void main(String[] args) {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
    int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    SparkSession spark = SparkSession.builder().appName("Stoke ShuffleJob").getOrCreate();
    JavaSparkContext sc = new JavaSparkContext(spark.sparkContext());
    List<Integer> parts = new ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      parts.add(i);
    }
    final long perPartition = rows / partitions;
    JavaPairRDD<Long, Long> pairs = sc.parallelize(parts, partitions).flatMapToPair(p -> {
      List<Tuple2<Long, Long>> out = new ArrayList<>();
      for (long i = 0; i < perPartition; i++) {
        out.add(new Tuple2<>((i * 7919 + p) % 1000, 1L));
      }
      return out.iterator();
    });
    List<Tuple2<Long, Long>> counts = pairs.reduceByKey(Long::sum, partitions * 2).collect();
    long total = 0;
    for (Tuple2<Long, Long> c : counts) {
      total += c._2();
    }
    if (total != perPartition * partitions) {
      throw new IllegalStateException("ShuffleJob lost rows: " + total + " != " + perPartition * partitions);
    }
    System.out.println("ShuffleJob regrouped " + total + " rows into " + counts.size() + " keys");
    spark.stop();
  }
}
