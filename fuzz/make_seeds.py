"""Builds the seed corpora in fuzz/corpus/ from real files of the repository.

Run from the repository root: python3 fuzz/make_seeds.py
Targets whose first byte picks a format get that byte prepended.
"""

import json
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def put(target: str, name: str, data: bytes) -> None:
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def read(rel: str) -> bytes:
    return (ROOT / rel).read_bytes()


shutil.rmtree(CORPUS, ignore_errors=True)

# MATPOWER: three small real cases and the catalogue's bad files.
for case in ["case9", "case14", "case30"]:
    put("matpower", case, read(f"grid-model/tests/data/{case}.m"))
for p in sorted((ROOT / "tests/bad-inputs/matpower").glob("*.m")):
    put("matpower", "bad_" + p.stem, p.read_bytes())

# Scenarios: the four presets.
for p in sorted((ROOT / "examples/scenarios").glob("*.toml")):
    put("scenario", p.stem, p.read_bytes())

# Profiles: selector 0 = CSV, 1 = Parquet.
put("profile", "csv_ok", b"\x00" + b"time,kw\n2019-09-09T00:00:00+09:00,10\n2019-09-09T01:00:00+09:00,12.5\n")
for p in sorted((ROOT / "tests/bad-inputs/profile-csv").glob("*.csv")):
    put("profile", "csv_" + p.stem, b"\x00" + p.read_bytes())
put("profile", "parquet_ok", b"\x01" + read("tests/data/profile.parquet"))
for p in sorted((ROOT / "tests/bad-inputs/profile-parquet").glob("*.parquet")):
    put("profile", "parquet_" + p.stem, b"\x01" + p.read_bytes())

# Hazard inputs: 0 GMPE site table, 1 track CSV, 2 IBTrACS CSV, 3 ASCII grid,
# 4 QuakeML, 5 ShakeMap grid.xml.
put("hazard_inputs", "gmpe_ok", b"\x00" + b"rup_mag,rup_rake,rup_hypo_depth,dist_rrup,dist_rjb,site_vs30\n7.0,180,10,20,19,760\n6.5,0,8,30,29,400\n")
for p in sorted((ROOT / "tests/bad-inputs/gmpe").glob("*.csv")):
    put("hazard_inputs", "gmpe_" + p.stem, b"\x00" + p.read_bytes())
put("hazard_inputs", "track_faxai", b"\x01" + read("examples/scenarios/faxai-2019-track.csv"))
put("hazard_inputs", "ibtracs_min", b"\x02" + b"SID,SEASON,NUMBER,BASIN,SUBBASIN,NAME,ISO_TIME,NATURE,LAT,LON,WMO_WIND,WMO_PRES,USA_RMW\n2019246N14155,2019,1,WP,MM,FAXAI,2019-09-08 00:00:00,TS,31.9,140.3,90,955,15\n2019246N14155,2019,1,WP,MM,FAXAI,2019-09-08 06:00:00,TS,33.0,139.9,90,955,15\n")
put("hazard_inputs", "grid_ok", b"\x03" + b"ncols 3\nnrows 2\nxllcorner 7.0\nyllcorner 50.5\ncellsize 0.01\nNODATA_value -9999\n0.5 1.0 1.5\n2.0 -9999 3.0\n")
formats = (ROOT / "disaster-scenarios/tests/formats.rs").read_text()
quakeml = re.search(r'const QUAKEML: &str = r#"(.*?)"#;', formats, re.S).group(1)
grid = re.search(r'const GRID: &str = r#"(.*?)"#;', formats, re.S).group(1)
put("hazard_inputs", "quakeml_ok", b"\x04" + quakeml.encode())
put("hazard_inputs", "shakemap_ok", b"\x05" + grid.encode())

# MQTT: 0 telemetry, 1 command, 2 ack, 3 topic, 4 testbed TOML.
tel = {"ts": 1700000000000, "value": 55.0, "unit": "%", "quality": "good", "seq": 7}
cmd = {"id": "c1", "ts": 1700000000000, "action": "setpoint", "value": 250.0, "unit": "kW", "expires": 1700000060000}
ack = {"id": "c1", "status": "done", "reason": ""}
put("mqtt_payloads", "telemetry", b"\x00" + json.dumps(tel).encode())
put("mqtt_payloads", "command", b"\x01" + json.dumps(cmd).encode())
put("mqtt_payloads", "ack", b"\x02" + json.dumps(ack).encode())
put("mqtt_payloads", "topic", b"\x03" + b"kumamoto/mashiki-battery/mashiki-bms/soc")
put("mqtt_payloads", "topic_cmd", b"\x03" + b"kumamoto/mashiki-battery/mashiki-bms/control/cmd")
put("mqtt_payloads", "testbed", b"\x04" + read("examples/twin/testbed.toml"))

# RDF + SPARQL: selector (0 Turtle, 1 N-Triples, 2 RDF/XML, 3 JSON-LD; +4
# rewrite), data, NUL, query.
ttl = b"""@prefix ex: <http://example.org/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
ex:h a ex:Hospital ; geo:hasGeometry ex:hg .
ex:hg geo:asWKT "POINT(130.76 32.75)"^^geo:wktLiteral .
ex:z geo:hasGeometry ex:zg .
ex:zg geo:asWKT "POLYGON((130 32, 131 32, 131 33, 130 33, 130 32))"^^geo:wktLiteral .
"""
q = b"""PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
SELECT ?f WHERE { ?f geo:hasGeometry ?g . ?g geo:asWKT ?w .
  ex:zg geo:asWKT ?z . FILTER(geof:sfWithin(?w, ?z)) }"""
put("rdf_sparql", "turtle_within", b"\x00" + ttl + b"\x00" + q.replace(b"ex:zg", b"<http://example.org/zg>"))
put("rdf_sparql", "turtle_distance", b"\x00" + ttl + b"\x00" + b"""PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
SELECT (geof:distance(?a, ?b, uom:metre) AS ?d) (geof:buffer(?a, 100, uom:metre) AS ?bu) (geof:envelope(?b) AS ?e)
WHERE { ?x geo:asWKT ?a . ?y geo:asWKT ?b }""")
put("rdf_sparql", "ntriples", b"\x01" + b'<http://example.org/a> <http://example.org/b> "c"@en .\n' + b"\x00" + b"SELECT * WHERE { ?s ?p ?o }")
put("rdf_sparql", "rdfxml", b"\x02" + b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a"><ex:b>c</ex:b></rdf:Description></rdf:RDF>' + b"\x00" + b"ASK { ?s ?p ?o }")
put("rdf_sparql", "jsonld", b"\x03" + b'{"@id": "http://example.org/a", "http://example.org/b": [{"@value": 1}]}' + b"\x00" + b"CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
put("rdf_sparql", "vocab", b"\x00" + read("ontology/vocab/blackstart.ttl") + b"\x00" + b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
put("rdf_sparql", "update", b"\x00" + ttl + b"\x00" + b"INSERT DATA { <http://example.org/x> <http://example.org/y> 1 }")
