"""Differential tests: libSQL's vector SQL functions vs Basalt's.

Each case is one SQL expression. It runs on libSQL (the `libsql` package, embedded,
in memory) and on Basalt (`basalt shell` on a scratch file, SQL on stdin) as
    SELECT typeof(E), <E as text: hex for blobs, %.17g for reals, else E itself>
and the two results are compared: exactly for text and blobs, within 1e-6 (relative or
absolute) for reals, and by message for errors.

Known, deliberate differences (LIBSQL-SURFACE.md §13.1 lists them as libSQL defects) are
in DIVERGENT: for those the test pins both sides, so a change on either is noticed.
"""

import math
import os
import subprocess
import tempfile

import libsql
import pytest

BASALT = os.environ.get("BASALT_BIN", "target/debug/basalt")

# Expressions whose results (value or error message) must match exactly.
EXACT = [
    # Constructors from text: the blob bytes.
    "vector('[1,2.5,3]')",
    "vector32('[1, 2.5, -3e2]')",
    "vector32('  [ 1 ,2 ]  ')",
    "vector32('[+1, .5, 5., 00012]')",
    "vector32('[]')",
    "vector32('[ ]')",
    "vector32('[1e-50]')",
    "vector64('[1.5, 2.5]')",
    "vector64('[0.1, 1e39, -0.0]')",
    "vector64('[]')",
    "vector16('[1,2.5,-3,0.1,65504,65520,1e-8,6e-5,1e-7]')",
    "vector16('[1.00048828125, 1.00146484375, -0.0]')",
    "vector16('[]')",
    "vectorb16('[1,2.5,-3,0.1,1.00390625,1.01171875,3.4e38,1e-40]')",
    "vectorb16('[]')",
    "vector8('[1,2,3]')",
    "vector8('[1,2,3,4]')",
    "vector8('[0.1,-0.7,0.33,1e-3]')",
    "vector8('[5,5,5,5]')",
    "vector8('[]')",
    "vector1bit('[1,-1,0,2]')",
    "vector1bit('[1]')",
    "vector1bit('[1,1,1,1,1,1,1,1]')",
    "vector1bit('[1,1,1,1,1,1,1,1,1]')",
    "vector1bit('[1,1,1,1,1,1,1,1,1,-1,-1,-1,-1,-1,-1,-1,1]')",
    "vector1bit('[]')",
    # Constructors from blobs, and conversions between types.
    "vector(x'0000803f01')",
    "vector(x'000105')",
    "vector(x'000106')",
    "vector(x'')",
    "vector32(vector64('[1,2]'))",
    "vector64(vector32('[1,2]'))",
    "vector16(vector64('[1,2]'))",
    "vector16(vector64('[1.0004882812500009094947]'))",
    "vector32(vector16('[1,2]'))",
    "vector8(vector1bit('[1,-2]'))",
    "vector1bit(vector8('[1,-2]'))",
    "vector1bit(vector64('[1e-50, -1e-50]'))",
    "vector32(vector8('[1,-2]'))",
    "vector64(vector16('[1.5, 0.1]'))",
    "vector64(vector8('[1,2,3]'))",
    "vector1bit(vector1bit('[1,-2,3]'))",
    "vector16(vector16('[1,2,3.3]'))",
    "vector32(vector8('[]'))",
    "vector1bit(vector8('[]'))",
    "vector8(vector1bit('[]'))",
    # vector_extract formatting.
    "vector_extract(vector('[0.1, 1e-7, 1e20, -0.0, 3.4028235e38, 1.5e-45, 123456789, 0.000123, 1e-5, 1e-4, 100000, 1000000, 1e7, 1e16, 1e17]'))",
    "vector_extract(vector64('[0.1, 1e-7, 1e20, -0.0, 3.4028235e38, 1.5e-45, 123456789, 0.000123, 1e-5, 1e-4, 100000, 1000000, 1e7, 0.3333333333333333]'))",
    "vector_extract(vector('[1234565, 1234575, 0.5, 2.5, 8388609, 16777216, 9999995, 999999.5, 0.00001234565]'))",
    "vector_extract(vector64('[1234565, 1234575, 1234565e10, 9999995, 999999.5, 0.00001234565, 5e-324, 1.7976931348623157e308, 1e39]'))",
    "vector_extract(vector('[-1.5, -0.001, -123456.7, 7.0e-5, 99999.95, 0.1234567890123456789]'))",
    "vector_extract(vector64('[1e-320]'))",
    "vector_extract(vector8('[1,2,3,4,5]'))",
    "vector_extract(vector8('[0.1,-0.7,0.33,1e-3]'))",
    "vector_extract(vector1bit('[1,0,-3,4]'))",
    "vector_extract(vectorb16('[0.1, 3.4e38, 1e-40]'))",
    "vector_extract(vector16('[0.1, 65520, 6e-5, 1e-7]'))",
    "vector_extract('[1,2]')",
    "vector_extract(x'')",
    "vector_extract(x'01')",
    "vector_extract(x'0000803f')",
    "vector_extract(x'000000000000f03f02')",
    "vector_extract(x'003c05')",
    "vector_extract(x'803f06')",
    "vector_extract(x'0000c07f')",
    "vector_extract(x'00000080')",
    "vector_extract(x'0000807f')",
    "vector_extract(x'000080ff')",
    # Errors.
    "vector('[1,2,x]')",
    "vector('1,2]')",
    "vector('')",
    "vector('[1,2')",
    "vector('[1,x')",
    "vector('[1,x,2')",
    "vector('[1,2] x')",
    "vector('[1]]')",
    "vector('[[1]]')",
    "vector('[1,,2]')",
    "vector('[,]')",
    "vector('[1,]')",
    "vector('[1,2,]x')",
    "vector('[nan]')",
    "vector('[inf]')",
    "vector('[Infinity]')",
    "vector('[0x10]')",
    "vector('[1e]')",
    "vector('[1.5f]')",
    "vector('[--1]')",
    "vector(1)",
    "vector(1.5)",
    "vector_extract(1)",
    "vector(x'00')",
    "vector(x'000000000000f03f07')",
    "vector(x'0000803f0000')",
    "vector(x'0003')",
    "vector(x'0000803f02')",
    "vector(x'000102')",
    "vector(x'0000803f000001')",
    "vector(x'00000000000000000000000004')",
    "vector(zeroblob(65537*4))",
    "length(vector(zeroblob(65536*4)))",
    "vector_extract(zeroblob(65537*4))",
    "vector('[' || substr(replace(hex(zeroblob(70000)),'00','1,'),1,65537*2-1) || ']')",
    "length(vector('[' || substr(replace(hex(zeroblob(70000)),'00','1,'),1,65536*2-1) || ']'))",
    "vector_distance_cos('[1,2]', '[3,2,1]')",
    "vector_distance_l2('[1,2]', '[3,2,1]')",
    "vector_distance_cos(vector32('[1,2,3]'), vector64('[3,2,1]'))",
    "vector_distance_cos(vector64('[1,2,3]'), '[3,2,1]')",
    "vector_distance_cos(vector16('[1,2,3]'), vector32('[3,2,1]'))",
    "vector_distance_cos(vector1bit('[1,2,3]'), vector1bit('[3,-2,-1,5]'))",
    "vector_distance_l2(vector1bit('[1,2,3]'), vector1bit('[3,-2,-1]'))",
    "vector_distance_cos(1, '[1]')",
    "vector_distance_cos('x', 'x')",
    "vector_distance_cos('[1]', '[1]', '[1]')",
    "vector()",
    # Undefined cosine is NULL on both.
    "vector_distance_cos('[0,0]', '[1,1]')",
    "vector_distance_cos('[0,0]', '[0,0]')",
    "vector_distance_cos('[]', '[]')",
    "vector_distance_cos(vector8('[0,0]'), vector8('[1,1]'))",
    "vector_distance_cos(vector16('[0,0]'), vector16('[1,1]'))",
    "vector_distance_cos('[1e-30]', '[1e-30]')",
    "vector_distance_cos(x'0000c07f', x'0000803f')",
]

# Expressions with a REAL result, compared within 1e-6 relative (or absolute near 0).
DISTANCES = [
    "vector_distance_cos('[1,2,3]', '[3,2,1]')",
    "vector_distance_l2('[1,2,3]', '[3,2,1]')",
    "vector_distance_cos(vector32('[1,2,3]'), vector32('[1,2,3]'))",
    "vector_distance_cos('[0.1,0.2,0.3]', '[0.1,0.2,0.3]')",
    "vector_distance_cos('[1,2,3]', '[-1,-2,-3]')",
    "vector_distance_cos('[1,0]', '[0,1]')",
    "vector_distance_cos(vector64('[1,2,3]'), vector64('[3,2,1]'))",
    "vector_distance_l2(vector64('[1,2,3]'), vector64('[3,2,1]'))",
    "vector_distance_l2(vector64('[0.1]'), vector64('[0.2]'))",
    "vector_distance_cos(vector16('[1,2,3]'), vector16('[3,2,1]'))",
    "vector_distance_l2(vector16('[1,2,3]'), vector16('[3,2,1]'))",
    "vector_distance_cos(vectorb16('[1,2,3]'), vectorb16('[3,2,1]'))",
    "vector_distance_l2(vectorb16('[1,2,3]'), vectorb16('[3,2,1]'))",
    "vector_distance_cos(vector8('[1,2,3]'), vector8('[3,2,1]'))",
    "vector_distance_l2(vector8('[1,2,3]'), vector8('[3,2,1]'))",
    "vector_distance_cos(vector8('[0.1,-0.7,0.33,1e-3,5]'), vector8('[-2,0.5,0.25,1,-1]'))",
    "vector_distance_cos(vector1bit('[1,2,3]'), vector1bit('[3,-2,-1]'))",
    "vector_distance_cos(vector1bit('[]'), vector1bit('[]'))",
    "vector_distance_l2('[]', '[]')",
    "vector_distance_l2('[1e30, 1e30]', '[-1e30, -1e30]')",
    "vector_distance_cos(x'0000803f00000040', '[2,4]')",
]


def _random_vectors():
    """Longer vectors (seeded) so the SIMD kernels' main loops and tails both run."""
    import random

    rng = random.Random(5)
    cases = []
    for dims in [7, 16, 17, 100, 384]:
        a = ",".join(f"{rng.uniform(-1, 1):.6f}" for _ in range(dims))
        b = ",".join(f"{rng.uniform(-1, 1):.6f}" for _ in range(dims))
        for fn in ["vector_distance_cos", "vector_distance_l2"]:
            for ctor in ["vector32", "vector16", "vectorb16", "vector8"]:
                cases.append(f"{fn}({ctor}('[{a}]'), {ctor}('[{b}]'))")
        cases.append(f"vector_distance_cos(vector1bit('[{a}]'), vector1bit('[{b}]'))")
    return cases


DISTANCES += _random_vectors()

# Deliberate differences: expression -> (libSQL result, Basalt result).
# Results are ("error", message) or (typeof, text).
DIVERGENT = {
    # NULL in: libSQL errors, Basalt returns NULL (§13.1).
    "vector(NULL)": (
        ("error", "vector: unexpected value type: got NULL, expected TEXT or BLOB"),
        ("null", ""),
    ),
    "vector_extract(NULL)": (
        ("error", "vector: unexpected value type: got NULL, expected TEXT or BLOB"),
        ("null", ""),
    ),
    "vector_distance_cos(NULL, '[1]')": (
        ("error", "vector: unexpected value type: got NULL, expected TEXT or BLOB"),
        ("null", ""),
    ),
    # Spaces inside a number: libSQL drops them (§13.1).
    "vector_extract(vector('[1 2]'))": (("text", "[12]"), ("error", "vector: invalid float at position 0: '1 2'")),
    # Overflow: libSQL stores Inf (§13.1).
    "vector_extract(vector('[1e39]'))": (("text", "[Inf]"), ("error", "vector: invalid float at position 0: '1e39'")),
    # An even-length blob that is not whole floats: libSQL's vector_extract reads past
    # the blob (its vector() reports the size error Basalt gives for both).
    "vector_extract(x'000000000000')": (
        None,  # garbage, not pinned
        ("error", "vector: unexpected data part size: type=1, dims=1, 6 != 4"),
    ),
    # A 1-bit blob whose dimension count points past its bytes: libSQL reads the trailer
    # as data (or fails with 'out of memory'); Basalt rejects it.
    "vector(x'000103')": (
        ("blob", "000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF0000803F000080BF000080BF000080BF000080BF000080BF000080BF"),
        ("error", "vector: unexpected data part size: type=3, dims=15, 1 != 2"),
    ),
    "vector_extract(x'0000803f04')": (
        ("error", "out of memory"),
        ("error", "vector: unexpected data part size: type=4, dims=0, 2 != 8"),
    ),
    # Distance with unparsable second argument: libSQL reports a length mismatch.
    "vector_distance_cos('[1]', '[x]')": (
        ("error", "vector_distance: vectors must have the same length: 1 != 0"),
        ("error", "vector: invalid float at position 0: 'x'"),
    ),
    # Large norms: libSQL multiplies them in float32, overflows to Inf and returns 1;
    # Basalt multiplies in float64 (the vectors are nearly parallel: ~0).
    "vector_distance_cos('[1e19, 1]', '[1e19, 2]')": (("real", "1"), ("real", "0")),
    # 1-bit Hamming over junk bits past the last dimension: libSQL counts them.
    "vector_distance_cos(x'ff0903', x'000903')": (("real", "8"), ("real", "7")),
}


def wrap(expr):
    return (
        f"SELECT typeof({expr}), CASE typeof({expr}) WHEN 'blob' THEN hex({expr}) "
        f"WHEN 'real' THEN printf('%.17g', {expr}) WHEN 'null' THEN '' ELSE {expr} END"
    )


_libsql = libsql.connect(":memory:")


def zero_f8_padding(hex_blob):
    """libSQL leaves the 8-bit layout's padding uninitialised (§13.1); Basalt writes
    zeros. Zero libSQL's so the rest of the bytes can be compared exactly."""
    b = bytearray.fromhex(hex_blob)
    if len(b) % 2 == 1 and len(b) >= 11 and b[-1] == 4:
        body = b[:-1]
        data_len = len(body) - 2 - 8
        dims = data_len - body[-1]
        for i in range(max(dims, 0), data_len):
            b[i] = 0
    return b.hex().upper()


def run_libsql(expr):
    try:
        row = _libsql.execute(wrap(expr)).fetchone()
    except Exception as e:  # libsql raises ValueError with SQLite's message
        return ("error", str(e))
    value = "" if row[1] is None else str(row[1])
    if row[0] == "blob":
        value = zero_f8_padding(value)
    return (row[0], value)


@pytest.fixture(scope="module")
def basalt_db():
    with tempfile.TemporaryDirectory() as d:
        yield os.path.join(d, "diff.db")


def run_basalt(expr, db):
    proc = subprocess.run(
        [BASALT, "shell", db],
        input=wrap(expr) + ";\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0 or proc.stderr.strip():
        msg = proc.stderr.strip()
        prefix = "Error: near line 1: "
        assert msg.startswith(prefix), msg
        return ("error", msg[len(prefix):])
    out = proc.stdout.rstrip("\n")
    ty, _, value = out.partition("|")
    return (ty, value)


@pytest.mark.parametrize("expr", EXACT)
def test_exact(expr, basalt_db):
    assert run_basalt(expr, basalt_db) == run_libsql(expr)


def _close(a, b):
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b)) or abs(a - b) <= 1e-6


@pytest.mark.parametrize("expr", DISTANCES, ids=lambda e: e[:80])
def test_distance(expr, basalt_db):
    lib = run_libsql(expr)
    ours = run_basalt(expr, basalt_db)
    assert lib[0] == "real", lib
    assert ours[0] == "real", ours
    assert _close(float(lib[1]), float(ours[1])), (lib, ours)


@pytest.mark.parametrize("expr", sorted(DIVERGENT))
def test_known_divergence(expr, basalt_db):
    lib_expected, ours_expected = DIVERGENT[expr]
    if lib_expected is not None:
        assert run_libsql(expr) == lib_expected
    assert run_basalt(expr, basalt_db) == ours_expected


def test_stored_column_round_trip(basalt_db):
    """A table written through each side reads back the same (transcripts §10)."""
    script = [
        "CREATE TABLE IF NOT EXISTS vecs (id INTEGER PRIMARY KEY, emb F32_BLOB(3))",
        "DELETE FROM vecs",
        "INSERT INTO vecs (id, emb) VALUES (1, vector32('[1,2,3]')), (2, vector32('[3,2,1]')), "
        "(3, vector32('[1,0,0]')), (4, vector('[0.5, 0.25, -1]'))",
    ]
    query = (
        "SELECT id, hex(emb), vector_extract(emb), "
        "printf('%.6f', vector_distance_cos(emb, vector32('[1,2,3]'))) AS d FROM vecs ORDER BY d, id"
    )
    for stmt in script:
        _libsql.execute(stmt)
    lib_rows = ["|".join(str(c) for c in r) for r in _libsql.execute(query).fetchall()]
    proc = subprocess.run(
        [BASALT, "shell", basalt_db],
        input=";\n".join(script + [query]) + ";\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines() == lib_rows
