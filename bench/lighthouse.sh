#!/usr/bin/env bash
# Lighthouse (mobile, its default simulated throttling) on the five public pages, in Chinese
# (the default) and in English (`?lang=en`), against a release instance with the demo data:
# prints one markdown row a page and language with the four category scores and the audits
# that did not pass. Needs Node.js with npm (Lighthouse is installed into a temporary folder
# with `npm install lighthouse@12`) and Chromium (`apt-get install chromium`, or CHROME_PATH).
#
#   bench/lighthouse.sh                 # builds the release binary if it is missing
#   BIN=/path/to/tipline bench/lighthouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/tipline}
CHROME_PATH=${CHROME_PATH:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROME_PATH" ] || { echo "Chromium is needed: apt-get install chromium" >&2; exit 2; }
command -v npm >/dev/null || { echo "Node.js and npm are needed" >&2; exit 2; }
[ -x "$BIN" ] || cargo build --release --bin tipline
export CHROME_PATH

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund lighthouse@12 >/dev/null 2>&1) ||
  { echo "npm could not install lighthouse" >&2; exit 2; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TIPLINE_DATABASE_URL="sqlite://$work/demo.db" TIPLINE_DATA_DIR="$work/data" TIPLINE_CONFIG_DIR="$PWD/config" \
  TIPLINE_BIND="127.0.0.1:$port" TIPLINE_LOG=warn "$BIN" serve --demo >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

echo "| page | language | performance | accessibility | best practices | SEO | audits not passed |"
echo "| --- | --- | ---: | ---: | ---: | ---: | --- |"
for lang in zh-CN en; do
  for page in / /report /track /stats /exposures; do
    url="http://127.0.0.1:$port$page"; [ "$lang" = en ] && url="$url?lang=en"
    out="$work/report.json"
    "$work/node_modules/.bin/lighthouse" "$url" --quiet --form-factor=mobile \
      --chrome-flags="--headless=new --no-sandbox" --output=json --output-path="$out" >/dev/null 2>&1 ||
      { echo "| $page | $lang | lighthouse failed | | | | |"; continue; }
    python3 - "$out" "$page" "$lang" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
c = {k: round(v["score"] * 100) for k, v in r["categories"].items()}
# Audits that count toward a score and did not pass (insights and diagnostics with a zero
# weight are listed by Lighthouse too; they do not move a category).
weighted = {a["id"] for cat in r["categories"].values() for a in cat["auditRefs"] if a["weight"] > 0}
failed = sorted(f'{i} ({a.get("displayValue") or a["score"]})' for i, a in r["audits"].items()
                if i in weighted and a.get("score") is not None and a["score"] < 1)
print(f'| {sys.argv[2]} | {sys.argv[3]} | {c["performance"]} | {c["accessibility"]} | '
      f'{c["best-practices"]} | {c["seo"]} | {", ".join(failed) or "none"} |')
EOF
  done
done
