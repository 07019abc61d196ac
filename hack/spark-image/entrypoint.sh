#!/bin/bash
# Entrypoint of Stoke's Spark images. Spark's Kubernetes backend starts containers with a first argument of
# `driver` (plus spark-submit arguments: --properties-file, --class, the primary resource, its arguments) or
# `executor` (everything else comes from SPARK_* environment variables it sets on the executor pod).
# Any other command runs as given. tini is PID 1 so that signals reach the JVM and zombies are reaped.
set -eo pipefail

# The JVM wants a passwd entry for the running uid (OpenShift-style random uids have none).
if ! getent passwd "$(id -u)" >/dev/null 2>&1 && [ -w /etc/passwd ]; then
  echo "spark:x:$(id -u):0:spark:${SPARK_HOME}/work-dir:/bin/false" >> /etc/passwd
fi

# Spark passes extra JVM options one per variable (SPARK_JAVA_OPT_0, SPARK_JAVA_OPT_1, ...), in order.
java_opts=()
for i in $(env | sed -n 's/^SPARK_JAVA_OPT_\([0-9]*\)=.*/\1/p' | sort -n); do
  var="SPARK_JAVA_OPT_$i"
  java_opts+=("${!var}")
done

classpath="${SPARK_CLASSPATH:+$SPARK_CLASSPATH:}${SPARK_HOME}/jars/*"
[ -n "${SPARK_EXTRA_CLASSPATH:-}" ] && classpath="$classpath:$SPARK_EXTRA_CLASSPATH"
[ -n "${HADOOP_CONF_DIR:-}" ] && classpath="$HADOOP_CONF_DIR:$classpath"
[ -n "${SPARK_CONF_DIR:-}" ] && classpath="$SPARK_CONF_DIR:$classpath"

case "${1:-}" in
  driver)
    shift
    # Inside the driver pod Spark runs in client mode; the pod IP is the address executors call back on.
    exec /usr/bin/tini -s -- "$SPARK_HOME/bin/spark-submit" \
      --conf "spark.driver.bindAddress=${SPARK_DRIVER_BIND_ADDRESS}" \
      --conf "spark.executorEnv.SPARK_DRIVER_POD_IP=${SPARK_DRIVER_BIND_ADDRESS}" \
      --deploy-mode client "$@"
    ;;
  executor)
    shift
    exec /usr/bin/tini -s -- "${JAVA_HOME}/bin/java" "${java_opts[@]}" \
      -Xms"${SPARK_EXECUTOR_MEMORY}" -Xmx"${SPARK_EXECUTOR_MEMORY}" \
      -cp "$classpath" \
      org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
      --driver-url "${SPARK_DRIVER_URL}" \
      --executor-id "${SPARK_EXECUTOR_ID}" \
      --cores "${SPARK_EXECUTOR_CORES}" \
      --app-id "${SPARK_APPLICATION_ID}" \
      --hostname "${SPARK_EXECUTOR_POD_IP}" \
      --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}" \
      --podName "${SPARK_EXECUTOR_POD_NAME}"
    ;;
  *)
    exec /usr/bin/tini -s -- "$@"
    ;;
esac
