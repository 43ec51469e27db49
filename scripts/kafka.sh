#!/usr/bin/env bash
# kafka.sh - a real single-node Apache Kafka broker for escapewatch's
# integration tests, without Docker: the broker's jars come from Maven Central
# through mvn, and it runs as a plain JVM process on 127.0.0.1 in KRaft
# combined mode (one node that is both broker and controller).
#
# Pinned: org.apache.kafka:kafka_2.13 4.4.0 (broker bytecode targets Java 17,
# so the machine's OpenJDK 17 runs it), log4j2 2.25.5 as the logging backend,
# maven-dependency-plugin 3.8.1 (pinned in scripts/kafka/pom.xml).
#
# Usage:
#   scripts/kafka.sh fetch           resolve the jars into the cache (no-op when cached)
#   scripts/kafka.sh start           fetch, start a broker, wait until it answers, then
#                                    print KAFKA_BROKERS=127.0.0.1:<port>; use as
#                                    eval "$(scripts/kafka.sh start)"; export KAFKA_BROKERS
#   scripts/kafka.sh stop            stop the broker of the run dir, remove its data
#   scripts/kafka.sh status          say whether it runs, and where (exit 3 if not)
#   scripts/kafka.sh run -- CMD...   start, run CMD with KAFKA_BROKERS exported, always
#                                    stop afterwards; exits with CMD's status
#   scripts/kafka.sh tool CLASS ARGS...
#                                    run a Kafka main class from the cached classpath,
#                                    e.g. org.apache.kafka.tools.TopicCommand,
#                                    org.apache.kafka.tools.ConsoleProducer,
#                                    org.apache.kafka.tools.consumer.ConsoleConsumer
#
# Cache layout (kept between runs, safe to delete):
#   ${ESCAPEWATCH_CACHE:-$HOME/.cache/escapewatch}/kafka-<version>/lib/*.jar
#   ${ESCAPEWATCH_CACHE:-$HOME/.cache/escapewatch}/kafka-<version>/.fetched  (stamp: versions + pom hash)
#   mvn also keeps its own copy of the artifacts in its local repository
#   (~/.m2/repository unless settings.xml or ESCAPEWATCH_MVN_ARGS say otherwise).
# Run dir layout (${ESCAPEWATCH_KAFKA_DIR:-${TMPDIR:-/tmp}/escapewatch-kafka}):
#   server.properties, log4j2*.properties, broker.log, format.log, broker.pid,
#   env (the KAFKA_BROKERS=... line), data/ (removed by stop).
#
# Environment:
#   ESCAPEWATCH_CACHE          cache root (default $HOME/.cache/escapewatch)
#   ESCAPEWATCH_KAFKA_DIR      run dir (default ${TMPDIR:-/tmp}/escapewatch-kafka)
#   ESCAPEWATCH_KAFKA_VERSION  override the pinned Kafka version (4.x only)
#   ESCAPEWATCH_MVN_ARGS       extra mvn arguments, word-split (e.g. "-s my-settings.xml")
#   KAFKA_PORT                 client (PLAINTEXT) port; default: a free loopback port
#   KAFKA_CONTROLLER_PORT      controller port; default: a free loopback port
#   KAFKA_START_TIMEOUT        seconds to wait for the broker to answer (default 60)
#   KAFKA_STOP_TIMEOUT         seconds between SIGTERM and SIGKILL (default 20)
#   KAFKA_HEAP_OPTS            broker heap (default "-Xms256m -Xmx512m")
#   KAFKA_JVM_OPTS             extra broker JVM options
#   JAVA_HOME                  Java to use (default: java on PATH); must be 17+
#
# "Ready" means: the broker log says "Kafka Server started", the client port
# accepts TCP, the topics tool (a real Java admin client) lists topics, and a
# group coordinator answers FindCoordinator (this also creates
# __consumer_offsets up front, so the first consumer group of a test is fast).
#
# Needs: bash, mvn (3.6.3+), Java 17+, python3 (free ports, with a bash
# fallback; the coordinator warm-up, skipped without it), and setsid, flock,
# timeout from util-linux/coreutils (each optional).

set -euo pipefail

readonly PINNED_KAFKA_VERSION=4.4.0
readonly LOG4J_VERSION=2.25.5
readonly SCALA_BINARY_VERSION=2.13

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly POM="$SCRIPT_DIR/kafka/pom.xml"

KAFKA_VERSION=${ESCAPEWATCH_KAFKA_VERSION:-$PINNED_KAFKA_VERSION}
CACHE_ROOT=${ESCAPEWATCH_CACHE:-$HOME/.cache/escapewatch}
KAFKA_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIB_DIR="$KAFKA_DIR/lib"
RUN_DIR=${ESCAPEWATCH_KAFKA_DIR:-${TMPDIR:-/tmp}/escapewatch-kafka}
RUN_DIR=${RUN_DIR%/}
PID_FILE="$RUN_DIR/broker.pid"
ENV_FILE="$RUN_DIR/env"
BROKER_LOG="$RUN_DIR/broker.log"
START_TIMEOUT=${KAFKA_START_TIMEOUT:-60}
OWN_BROKER= # set once this invocation may have launched a broker
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-20}

if [[ -n ${JAVA_HOME:-} ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA=java
fi

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '/^# Usage:/,/^# Cache layout/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
}

# ---------------------------------------------------------------- java, mvn

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA_HOME or put java on PATH)"
  local line major
  line=$("$JAVA" -version 2>&1 | head -n 1) || true
  major=$(sed -E -n 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/p' <<<"$line")
  # "1.8.0_x" style: the major version is the second number.
  if [[ ${major%% *} == 1 ]]; then major=${major#* }; else major=${major%% *}; fi
  [[ $major =~ ^[0-9]+$ ]] || die "cannot read the Java version from: $line"
  ((major >= 17)) || die "Kafka $KAFKA_VERSION brokers need Java 17+, $JAVA is: $line"
}

fetch_stamp() {
  printf 'kafka=%s scala=%s log4j=%s pom=%s\n' "$KAFKA_VERSION" "$SCALA_BINARY_VERSION" \
    "$LOG4J_VERSION" "$(sha256sum "$POM" | cut -d ' ' -f 1)"
}

is_fetched() {
  [[ -f "$KAFKA_DIR/.fetched" && -f "$LIB_DIR/kafka_$SCALA_BINARY_VERSION-$KAFKA_VERSION.jar" ]] &&
    [[ "$(cat "$KAFKA_DIR/.fetched")" == "$(fetch_stamp)" ]]
}

cmd_fetch() {
  [[ -f $POM ]] || die "missing $POM"
  if is_fetched; then
    log "Kafka $KAFKA_VERSION already in $LIB_DIR"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH"
  mkdir -p "$CACHE_ROOT"
  # One fetch at a time per version (parallel CI jobs sharing a cache).
  local lock_fd
  if command -v flock >/dev/null 2>&1; then
    exec {lock_fd}>"$KAFKA_DIR.lock"
    flock "$lock_fd"
    if is_fetched; then
      exec {lock_fd}>&-
      log "Kafka $KAFKA_VERSION already in $LIB_DIR"
      return 0
    fi
  fi
  local tmp extra=()
  tmp=$(mktemp -d "$CACHE_ROOT/.kafka-$KAFKA_VERSION.XXXXXX")
  read -r -a extra <<<"${ESCAPEWATCH_MVN_ARGS:-}"
  log "resolving Kafka $KAFKA_VERSION with mvn into $LIB_DIR"
  # mvn's output goes to a file, shown only when it fails.
  if ! mvn -B -q -f "$POM" "${extra[@]}" \
    -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/lib" \
    </dev/null >"$tmp/mvn.log" 2>&1; then
    cat "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "mvn could not resolve org.apache.kafka:kafka_$SCALA_BINARY_VERSION:$KAFKA_VERSION (see above)"
  fi
  [[ -f "$tmp/lib/kafka_$SCALA_BINARY_VERSION-$KAFKA_VERSION.jar" ]] || {
    rm -rf "$tmp"
    die "mvn finished but kafka_$SCALA_BINARY_VERSION-$KAFKA_VERSION.jar is missing"
  }
  rm -rf "$KAFKA_DIR"
  mkdir -p "$KAFKA_DIR"
  mv "$tmp/lib" "$LIB_DIR"
  rm -rf "$tmp"
  fetch_stamp >"$KAFKA_DIR/.fetched"
  if [[ -n ${lock_fd:-} ]]; then exec {lock_fd}>&-; fi
  log "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIB_DIR" | cut -f 1))"
}

# ------------------------------------------------------------------ process

# Prints the pid of the broker of this run dir and succeeds only if it is
# alive (a zombie, or a reused pid running something else, does not count).
broker_pid() {
  [[ -s $PID_FILE ]] || return 1
  local pid state cmdline
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/stat ]]; then
    state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $state != Z && $state != X ]] || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *kafka.Kafka* ]] || return 1
  fi
  printf '%s\n' "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints N free loopback ports.
free_ports() {
  local n=$1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$n" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
    return
  fi
  local ports=() p
  while ((${#ports[@]} < n)); do
    p=$((20000 + RANDOM % 30000))
    if ! port_open "$p" && [[ " ${ports[*]} " != *" $p "* ]]; then ports+=("$p"); fi
  done
  echo "${ports[*]}"
}

# A KRaft cluster id: 16 random bytes, URL-safe base64 without padding
# (the form of Kafka's Uuid), not starting with '-'.
new_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    if [[ ${#id} -eq 22 && $id != -* ]]; then
      printf '%s\n' "$id"
      return
    fi
  done
}

write_log4j_configs() {
  cat >"$RUN_DIR/log4j2.properties" <<'EOF'
# Broker logging: everything to stdout, which kafka.sh sends to broker.log.
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  cat >"$RUN_DIR/log4j2-tools.properties" <<'EOF'
# Command-line tools: warnings and errors only, on stderr.
status = warn
shutdownHook = disable
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
}

write_server_properties() {
  local port=$1 cport=$2
  cat >"$RUN_DIR/server.properties" <<EOF
# Written by scripts/kafka.sh: one KRaft node, broker and controller, on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN_DIR/data/kafka-logs

# Small machine (2 cores).
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1

# Topics: created explicitly by the tests.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1
default.replication.factor=1
min.insync.replicas=1

# Internal topics on a single node.
# One __consumer_offsets partition: a single warm-up request (see
# warm_group_coordinator) then readies the coordinator of every group.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Consumer groups: no join delay, short timeouts allowed.
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
group.consumer.min.session.timeout.ms=1000
group.consumer.min.heartbeat.interval.ms=500
group.consumer.heartbeat.interval.ms=1000

# Small logs; the data dir is thrown away on stop.
log.segment.bytes=1048576
log.retention.hours=1
log.retention.check.interval.ms=60000
EOF
}

# Best effort: ask for a group coordinator (FindCoordinator v1, a few bytes by
# hand) until one is there. The first such request makes the broker create
# __consumer_offsets (one partition, so every group shares this coordinator);
# without this warm-up the first consumer group of a test run sees
# COORDINATOR_NOT_AVAILABLE, and kafka-go then backs off for 5 s
# (ReaderConfig.JoinGroupBackoff).
warm_group_coordinator() {
  local port=$1 secs=$2
  command -v python3 >/dev/null 2>&1 || return 0
  python3 - "$port" "$secs" <<'PY' || log "warning: group coordinator not ready yet (tests may wait for it)"
import socket, struct, sys, time

port, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])

def string(b):
    return struct.pack(">h", len(b)) + b

def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed by the broker")
        buf += chunk
    return buf

corr, last = 0, None
while time.monotonic() < deadline:
    corr += 1
    # header v1: api_key=10 (FindCoordinator), api_version=1, correlation id, client id;
    # body v1: key (a group id), key_type=0 (group)
    msg = (struct.pack(">hhi", 10, 1, corr) + string(b"escapewatch-kafka.sh")
           + string(b"escapewatch-warmup") + b"\x00")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(struct.pack(">i", len(msg)) + msg)
            size = struct.unpack(">i", read_exact(s, 4))[0]
            data = read_exact(s, size)
        # response v1: correlation id, throttle_time_ms, error_code, ...
        _, _, err = struct.unpack(">iih", data[:10])
        if err == 0:
            sys.exit(0)
        last = "error code %d" % err
        if err != 15:  # 15 = COORDINATOR_NOT_AVAILABLE, anything else won't heal
            break
    except OSError as e:
        last = e
    time.sleep(0.1)
print("kafka.sh: FindCoordinator: %s" % last, file=sys.stderr)
sys.exit(1)
PY
}

tool_jvm_opts() {
  TOOL_OPTS=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$RUN_DIR/log4j2-tools.properties")
}

# Prints the last lines of the broker log (and the format log) on stderr.
show_logs() {
  local f
  for f in "$RUN_DIR/format.log" "$BROKER_LOG"; do
    if [[ ! -s $f ]]; then
      log "($f is empty)"
      continue
    fi
    log "---- last lines of $f ----"
    tail -n 40 "$f" >&2
  done
}

kill_pid() {
  local pid=$1 waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while ((waited < STOP_TIMEOUT * 10)) && broker_pid >/dev/null; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if broker_pid >/dev/null; then
    log "broker (pid $pid) still up after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    waited=0
    while ((waited < 50)) && broker_pid >/dev/null; do
      sleep 0.1
      waited=$((waited + 1))
    done
  fi
}

# One attempt at formatting and starting; returns 0 when the broker answers,
# 2 when it died because a port was taken (worth another try), 1 otherwise.
start_once() {
  local port=$1 cport=$2 cid pid deadline remaining
  rm -rf "$RUN_DIR/data" "$PID_FILE" "$ENV_FILE"
  mkdir -p "$RUN_DIR/data"
  : >"$BROKER_LOG"
  write_server_properties "$port" "$cport"

  cid=$(new_cluster_id)
  tool_jvm_opts
  if ! "$JAVA" "${TOOL_OPTS[@]}" -cp "$LIB_DIR/*" kafka.tools.StorageTool format \
    --config "$RUN_DIR/server.properties" --cluster-id "$cid" --standalone \
    </dev/null >"$RUN_DIR/format.log" 2>&1; then
    log "formatting the storage failed"
    show_logs
    return 1
  fi

  local heap_opts jvm_opts extra_opts
  read -r -a heap_opts <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
  read -r -a extra_opts <<<"${KAFKA_JVM_OPTS:-}"
  jvm_opts=("${heap_opts[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$RUN_DIR/log4j2.properties"
    "-Dkafka.logs.dir=$RUN_DIR" "${extra_opts[@]}")

  # Detach the broker: its own session (setsid), no tie to our stdin/stdout
  # (so `eval "$(kafka.sh start)"` returns), reparented away from this shell
  # by the outer subshell. The inner shell records its pid, then execs java.
  local launcher=()
  if command -v setsid >/dev/null 2>&1; then launcher=(setsid); fi
  (
    cd "$RUN_DIR"
    if [[ -n ${START_LOCK_FD:-} ]]; then exec {START_LOCK_FD}>&-; fi
    # shellcheck disable=SC2016 # expanded by the inner bash, on purpose
    "${launcher[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
      "$JAVA" "${jvm_opts[@]}" -cp "$LIB_DIR/*" kafka.Kafka "$RUN_DIR/server.properties" \
      </dev/null >>"$BROKER_LOG" 2>&1 &
  )

  deadline=$((SECONDS + START_TIMEOUT))
  while [[ ! -s $PID_FILE ]] && ((SECONDS < deadline)); do sleep 0.05; done
  pid=$(cat "$PID_FILE" 2>/dev/null || true)

  # 1) the broker says it started and its client port accepts connections.
  while :; do
    if ! broker_pid >/dev/null; then
      log "the broker exited during startup"
      show_logs
      if grep -q 'Address already in use' "$BROKER_LOG"; then return 2; fi
      return 1
    fi
    if grep -q 'Kafka Server started' "$BROKER_LOG" && port_open "$port"; then break; fi
    if ((SECONDS >= deadline)); then
      log "the broker did not start within ${START_TIMEOUT}s"
      show_logs
      [[ -n $pid ]] && kill_pid "$pid"
      return 1
    fi
    sleep 0.2
  done

  # 2) it answers a real admin request (metadata, through the topics tool).
  remaining=$((deadline - SECONDS))
  ((remaining >= 10)) || remaining=10
  local timeout_cmd=()
  if command -v timeout >/dev/null 2>&1; then timeout_cmd=(timeout "$remaining"); fi
  if ! "${timeout_cmd[@]}" "$JAVA" "${TOOL_OPTS[@]}" -cp "$LIB_DIR/*" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --list \
    </dev/null >/dev/null 2>"$RUN_DIR/probe.log"; then
    log "the broker does not answer admin requests on 127.0.0.1:$port"
    cat "$RUN_DIR/probe.log" >&2 || true
    show_logs
    kill_pid "$pid"
    return 1
  fi

  # 3) the group coordinator is up (best effort, see warm_group_coordinator).
  remaining=$((deadline - SECONDS))
  ((remaining >= 5)) || remaining=5
  warm_group_coordinator "$port" "$remaining"
  return 0
}

cmd_start() {
  local pid
  if pid=$(broker_pid); then
    log "a broker is already running from $RUN_DIR (pid $pid, $(cat "$ENV_FILE" 2>/dev/null || echo 'address unknown'))"
    log "stop it first: $0 stop"
    exit 1
  fi
  check_java
  cmd_fetch
  mkdir -p "$RUN_DIR"
  # One start at a time per run dir (the lock fd is not passed to the broker).
  if command -v flock >/dev/null 2>&1; then
    exec {START_LOCK_FD}>"$RUN_DIR/.start.lock"
    flock -n "$START_LOCK_FD" || die "another start is in progress in $RUN_DIR"
    if pid=$(broker_pid); then die "a broker is already running from $RUN_DIR (pid $pid)"; fi
  fi
  OWN_BROKER=1
  write_log4j_configs

  local began=$SECONDS attempt port cport ports rc
  for attempt in 1 2 3; do
    ports=$(free_ports 2)
    port=${KAFKA_PORT:-${ports%% *}}
    cport=${KAFKA_CONTROLLER_PORT:-${ports##* }}
    [[ $port != "$cport" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
    log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$port (controller :$cport), run dir $RUN_DIR"
    rc=0
    start_once "$port" "$cport" || rc=$?
    if ((rc == 0)); then break; fi
    rm -rf "$RUN_DIR/data" "$PID_FILE"
    # Only a lost race for an automatically chosen port is worth a retry.
    if ((rc != 2)) || [[ -n ${KAFKA_PORT:-}${KAFKA_CONTROLLER_PORT:-} ]] || ((attempt == 3)); then
      exit 1
    fi
    log "port taken meanwhile, trying other ports"
  done

  printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$port" >"$ENV_FILE"
  log "ready after $((SECONDS - began))s (pid $(cat "$PID_FILE"), log $BROKER_LOG)"
  cat "$ENV_FILE"
}

cmd_stop() {
  local pid
  if pid=$(broker_pid); then
    log "stopping broker (pid $pid)"
    kill_pid "$pid"
    if broker_pid >/dev/null; then die "broker (pid $pid) would not stop"; fi
  else
    log "no broker running from $RUN_DIR"
  fi
  rm -rf "$RUN_DIR/data" "$PID_FILE" "$ENV_FILE"
}

cmd_status() {
  local pid
  if pid=$(broker_pid); then
    echo "running: pid $pid, $(cat "$ENV_FILE" 2>/dev/null || echo 'KAFKA_BROKERS unknown (still starting?)'), run dir $RUN_DIR, log $BROKER_LOG"
  else
    echo "not running (run dir $RUN_DIR)"
    exit 3
  fi
}

cmd_run() {
  [[ ${1:-} == -- ]] && shift
  (($# > 0)) || die "usage: $0 run -- COMMAND [ARGS...]"
  local pid
  if pid=$(broker_pid); then
    die "a broker is already running from $RUN_DIR (pid $pid); stop it or set ESCAPEWATCH_KAFKA_DIR"
  fi
  # Stop on any exit, but only a broker this invocation started.
  trap 'if [[ -n $OWN_BROKER ]]; then cmd_stop; fi' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  cmd_start >/dev/null
  local line
  line=$(<"$ENV_FILE")
  export KAFKA_BROKERS=${line#KAFKA_BROKERS=}
  log "running: $* (KAFKA_BROKERS=$KAFKA_BROKERS)"
  local status=0
  "$@" || status=$?
  exit "$status"
}

cmd_tool() {
  (($# > 0)) || die "usage: $0 tool MAIN_CLASS [ARGS...]"
  check_java
  is_fetched || cmd_fetch
  mkdir -p "$RUN_DIR"
  [[ -f "$RUN_DIR/log4j2-tools.properties" ]] || write_log4j_configs
  tool_jvm_opts
  exec "$JAVA" "${TOOL_OPTS[@]}" -cp "$LIB_DIR/*" "$@"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  run) cmd_run "$@" ;;
  tool) cmd_tool "$@" ;;
  -h | --help | help)
    usage
    ;;
  *)
    usage
    exit 2
    ;;
  esac
}

main "$@"
