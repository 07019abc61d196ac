package dev.stoke.examples;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A job with a controllable shape, for lifecycle and scaling tests. Arguments (all optional):
 * rounds (default 1), tasks per round (default 8), seconds each task sleeps (default 2),
 * seconds the driver idles between rounds and at the end (default 0).
 * Each round is a stage of sleeping tasks, so executors are busy for a known time; the idle periods let
 * dynamic allocation release executors.
 */
public final class LoadJob {
  public static void main(String[] args) throws InterruptedException {
    int rounds = arg(args, 0, 1);
    int tasks = arg(args, 1, 8);
    int taskSeconds = arg(args, 2, 2);
    int idleSeconds = arg(args, 3, 0);
    SparkSession spark = SparkSession.builder().appName("Stoke LoadJob").getOrCreate();
    JavaSparkContext sc = new JavaSparkContext(spark.sparkContext());
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      ids.add(i);
    }
    for (int round = 1; round <= rounds; round++) {
      long done = sc.parallelize(ids, tasks).map(id -> {
        Thread.sleep(taskSeconds * 1000L);
        return 1;
      }).count();
      System.out.println("LoadJob round " + round + " finished " + done + " tasks");
      if (idleSeconds > 0) {
        System.out.println("LoadJob idle for " + idleSeconds + "s");
        Thread.sleep(idleSeconds * 1000L);
      }
    }
    System.out.println("LoadJob done");
    spark.stop();
  }

  private static int arg(String[] args, int index, int fallback) {
    return args.length > index ? Integer.parseInt(args[index]) : fallback;
  }
}
