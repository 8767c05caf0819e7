#!/usr/bin/env bash
# Makes the package-validation baseline of a shipped version (Directory.Build.props: PackageValidationBaselinePath)
# from packages just packed from that version's commit, e.g. for 1.0.0:
#   dotnet build src/Cortex.Mcp.Fast.Hosting -c Release && dotnet pack src/Cortex.Mcp.Fast -c Release --no-build -o "$out"
#   && dotnet pack src/Cortex.Mcp.Fast.Hosting -c Release --no-build -o "$out"
#   bash tests/Cortex.Mcp.Fast.PackageSmoke/Baseline/make-baseline.sh "$out" 1.0.0
# A baseline is the real package with each lib/<tfm>/X.dll swapped for the reference assembly the same build made
# (obj/Release/<tfm>/ref/X.dll: the same public surface, metadata only) and no XML docs: package validation compares
# public surfaces and target frameworks, so nothing it reads is lost, and the committed file stays small.
set -euo pipefail
packages=$1 version=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
for id in Cortex.Mcp.Fast Cortex.Mcp.Fast.Hosting Cortex.Mcp.Fast.ServiceDiscovery; do
  python3 - "$packages/$id.$version.nupkg" "$here/$id.$version.nupkg" "$repo/src/$id/obj/Release" <<'PY'
import sys, zipfile, os, re
source, target, obj = sys.argv[1:4]
with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
    for item in zin.infolist():
        name = item.filename
        m = re.fullmatch(r'lib/([^/]+)/([^/]+)\.(dll|xml)', name)
        if m and m.group(3) == 'xml':
            continue
        data = zin.read(name)
        if m:
            ref = os.path.join(obj, m.group(1), 'ref', m.group(2) + '.dll')
            data = open(ref, 'rb').read()
        # Fixed timestamps: the same inputs give the same bytes.
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zout.writestr(info, data)
print(target, os.path.getsize(target), 'bytes')
PY
done
