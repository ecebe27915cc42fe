#!/usr/bin/env bash
# The Spark-on-Kubernetes container contract of goldpipe's Spark image (what Spark's own
# images do in /opt/entrypoint.sh): the pods spark-submit creates call the image's entrypoint
# with `driver ...` or `executor`, and Spark passes everything else through the environment.
#
#   driver ARGS...   spark-submit in client mode inside the driver pod, bound to the pod's
#                    address (SPARK_DRIVER_BIND_ADDRESS); ARGS are spark-submit's own
#                    (--properties-file, the application file and its arguments)
#   executor         an executor JVM that registers with the driver: SPARK_DRIVER_URL,
#                    SPARK_EXECUTOR_ID, _CORES, _MEMORY, _POD_IP, _POD_NAME,
#                    SPARK_APPLICATION_ID, SPARK_RESOURCE_PROFILE_ID, and the JVM options
#                    SPARK_JAVA_OPT_0, _1, ... in that order
#   anything else    run as given (a shell, `goldpipe`-free tools, `python -m ...`)
#
# tini is PID 1 (the image's ENTRYPOINT) and reaps the JVM's and Python's children.
set -euo pipefail

# The class path of an executor: Spark's configuration directory (the pod's mounted
# spark.properties), Hadoop's if given, then Spark's jars (PySpark's and goldpipe's pinned ones).
class_path() {
  local cp="${SPARK_HOME}/jars/*"
  [[ -n "${HADOOP_CONF_DIR:-}" ]] && cp="${HADOOP_CONF_DIR}:${cp}"
  [[ -n "${SPARK_CONF_DIR:-}" ]] && cp="${SPARK_CONF_DIR}:${cp}"
  [[ -n "${SPARK_EXTRA_CLASSPATH:-}" ]] && cp="${cp}:${SPARK_EXTRA_CLASSPATH}"
  echo "$cp"
}

require() {
  local name
  for name in "$@"; do
    if [[ -z "${!name:-}" ]]; then
      echo "error: ${name} is not set: the executor contract needs it (is this pod made by a Spark driver?)" >&2
      exit 2
    fi
  done
}

case "${1:-}" in
  driver)
    shift
    require SPARK_DRIVER_BIND_ADDRESS
    exec "${SPARK_HOME}/bin/spark-submit" \
      --conf "spark.driver.bindAddress=${SPARK_DRIVER_BIND_ADDRESS}" \
      --conf "spark.executorEnv.SPARK_DRIVER_POD_IP=${SPARK_DRIVER_BIND_ADDRESS}" \
      --deploy-mode client \
      "$@"
    ;;
  executor)
    shift
    require SPARK_DRIVER_URL SPARK_EXECUTOR_ID SPARK_EXECUTOR_CORES SPARK_EXECUTOR_MEMORY \
      SPARK_APPLICATION_ID SPARK_EXECUTOR_POD_IP
    # SPARK_JAVA_OPT_<n>, ordered by n (10 after 9), one JVM option each.
    java_opts=()
    while IFS= read -r name; do
      java_opts+=("${!name}")
    done < <(compgen -e | sed -n 's/^SPARK_JAVA_OPT_\([0-9][0-9]*\)$/\1 &/p' | sort -n | cut -d' ' -f2)
    exec "${JAVA_HOME}/bin/java" \
      "${java_opts[@]}" \
      "-Xms${SPARK_EXECUTOR_MEMORY}" "-Xmx${SPARK_EXECUTOR_MEMORY}" \
      -cp "$(class_path)" \
      org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
      --driver-url "${SPARK_DRIVER_URL}" \
      --executor-id "${SPARK_EXECUTOR_ID}" \
      --cores "${SPARK_EXECUTOR_CORES}" \
      --app-id "${SPARK_APPLICATION_ID}" \
      --hostname "${SPARK_EXECUTOR_POD_IP}" \
      --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}" \
      --podName "${SPARK_EXECUTOR_POD_NAME:-${HOSTNAME:-}}"
    ;;
  "")
    echo "usage: entrypoint driver SPARK-SUBMIT-ARGS... | executor | COMMAND [ARGS...]" >&2
    exit 2
    ;;
  *)
    exec "$@"
    ;;
esac
