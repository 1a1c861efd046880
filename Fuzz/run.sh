#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (Fuzz/README.md). Apart from the normal build:
# nothing here is part of `swift build` or `swift test`.
#
#   Fuzz/run.sh TARGET [SECONDS]   build TARGET and fuzz it for SECONDS (default 120)
#   Fuzz/run.sh all SECONDS        every target in turn, one at a time
#   Fuzz/run.sh build [TARGET]     build only (every target without a name)
#   Fuzz/run.sh list               the targets
#
# How: SwiftPM builds the package's library modules (Repo and what it uses) once, in
# release, into Fuzz/.build, with `-sanitize=fuzzer` (coverage for libFuzzer) and
# `-enable-testing` (so a target reaches the internal decoders through `@testable
# import`, and the modules need no public entry points for fuzzing). Each target is then
# one file, Fuzz/Targets/TARGET.swift, compiled by swiftc with `-parse-as-library` (it
# has no main: libFuzzer's is linked in) and linked with those modules' objects.
# Work corpora, crashes and logs stay in Fuzz/.build; the seeds in Fuzz/corpus/TARGET
# are only read.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
scratch=$here/.build
out=$scratch/fuzz
targets=(pack-header index-object tree snapshot key-file config codec-frame s3-xml http-response sftp-packet wal-record)
# Per the README's "Bounds": each decoder's own limits sit well below these.
bounds=(-rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10)

modules() {
    case $1 in
        codec-frame) echo Codec ;;
        s3-xml | http-response | sftp-packet) echo Posix Workers Crypto Storage ;;
        *) echo Posix Workers Chunker Crypto Codec Storage Repo ;;
    esac
}

# Sources compiled into a target beside its own file.
extra_sources() {
    case $1 in
        http-response) echo "$root/Tests/StorageTests/MemoryByteStream.swift" ;;
    esac
}

# A token dictionary, for targets whose parser (Foundation's JSON) is not
# instrumented, or whose input is markup or text framing.
dictionary() {
    case $1 in
        snapshot | key-file | config | wal-record) echo "-dict=$here/dictionaries/json.dict" ;;
        s3-xml) echo "-dict=$here/dictionaries/xml.dict" ;;
        http-response) echo "-dict=$here/dictionaries/http.dict" ;;
    esac
}

build_modules() {
    swift build -c release --package-path "$root" --scratch-path "$scratch" --target Repo \
        -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing >&2
}

build_target() {
    local target=$1 objects=() module
    for module in $(modules "$target"); do objects+=("$scratch"/release/"$module".build/*.o); done
    mkdir -p "$out"
    # shellcheck disable=SC2046
    swiftc -O -sanitize=fuzzer -parse-as-library -module-name Fuzz \
        -I "$scratch/release/Modules" \
        $(for c in CZlib CZstd CLibCrypto CLibSSL CSQLite; do echo -I "$root/Sources/$c"; done) \
        "$here/Targets/$target.swift" $(extra_sources "$target") "${objects[@]}" \
        -lz -lzstd -lssl -lcrypto -lsqlite3 -o "$out/fuzz-$target"
}

# Fuzzes one target; prints one summary line (the figures of Fuzz/README.md's table).
run_target() {
    local target=$1 seconds=$2
    local work=$scratch/corpus/$target seeds=$here/corpus/$target log=$scratch/logs/$target.log
    mkdir -p "$work" "$seeds" "$scratch/logs" "$scratch/artifacts"
    local status=0 started=$SECONDS
    # libFuzzer, not the Swift runtime, must catch a crash: it writes the input out.
    SWIFT_BACKTRACE=enable=no "$out/fuzz-$target" "$work" "$seeds" "${bounds[@]}" $(dictionary "$target") -max_total_time="$seconds" \
        -print_final_stats=1 -artifact_prefix="$scratch/artifacts/$target-" >"$log" 2>&1 || status=$?
    local last execs speed
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    printf '%-14s %4ss execs=%s exec/s=%s %s corpus=%s exit=%s\n' "$target" "$((SECONDS - started))" "${execs:-?}" "${speed:-?}" \
        "$(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$last" || true)" "$(find "$work" -type f | wc -l)" "$status"
    if [ "$status" -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|Fatal error|Test unit written' "$log" | head -5
        return "$status"
    fi
}

case ${1:-} in
    list) printf '%s\n' "${targets[@]}" ;;
    build)
        build_modules
        for target in ${2:-${targets[@]}}; do build_target "$target"; done ;;
    all)
        seconds=${2:?usage: Fuzz/run.sh all SECONDS}
        build_modules
        for target in "${targets[@]}"; do build_target "$target"; done
        failed=0
        for target in "${targets[@]}"; do run_target "$target" "$seconds" || failed=1; done
        exit $failed ;;
    '' | -h | --help) sed -n '4,8p' "$0" | sed 's/^# //' ; exit 2 ;;
    *)
        target=$1
        [[ " ${targets[*]} " == *" $target "* ]] || { echo "unknown target $target (Fuzz/run.sh list)" >&2; exit 2; }
        build_modules
        build_target "$target"
        run_target "$target" "${2:-120}" ;;
esac
