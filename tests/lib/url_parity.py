#!/usr/bin/python3
"""Parity with SQLAlchemy's make_url (chapter 1, issue 10).

Reads the table cases/url/make_url.txt, parses every URL with SQLAlchemy's
make_url here and with orm_url_parse through url_dump (C), and compares
every field: drivername, username, password, host, port, database and the
query. A URL make_url refuses must be refused by ours; one it accepts must
give the same fields, except the lines marked "refused:", which this
library refuses on purpose and which make_url must accept (else the mark
is stale). Any difference fails the test, listed line by line.

    url_parity.py PATH/TO/url_dump PATH/TO/make_url.txt

Exit 77 (skipped) without python3-sqlalchemy (Debian: apt-get install
python3-sqlalchemy).
"""
import subprocess
import sys

SKIPPED = 77


def read_table(path):
    urls = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            refused = line.startswith("refused: ")
            if refused:
                line = line[len("refused: "):].split(" # ")[0]
            urls.append((line, refused))
    return urls


def unhex(field):
    if field == "-":
        return None
    if field == "=":
        return ""
    return bytes.fromhex(field).decode("utf-8", errors="surrogateescape")


def ours(dump, urls):
    text = "".join(u + "\n" for u, _ in urls)
    out = subprocess.run([dump], input=text.encode(), stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    results = []
    for line in out.splitlines():
        parts = line.split("\t")
        if parts[0] == "error":
            results.append(("error", unhex(parts[1])))
            continue
        query = {}
        for pair in filter(None, parts[7].split(",")):
            k, v = pair.split("=", 1) if not pair.startswith("==") else ("=", pair[2:])
            key, value = unhex(k), unhex(v)
            query.setdefault(key, []).append(value)
        results.append(("ok", {
            "drivername": unhex(parts[1]), "username": unhex(parts[2]),
            "password": unhex(parts[3]), "host": unhex(parts[4]),
            "port": int(parts[5]) or None, "database": unhex(parts[6]),
            "query": query}))
    return results


def theirs(make_url, url):
    try:
        u = make_url(url)
        # URL.create checks the port lazily in some versions: force it.
        port = None if u.port is None else int(u.port)
    except Exception as e:  # make_url raises ArgumentError or ValueError
        return ("error", "%s: %s" % (type(e).__name__, e))
    query = {}
    for k, v in u.query.items():
        query[k] = list(v) if isinstance(v, tuple) else [v]
    return ("ok", {"drivername": u.drivername, "username": u.username,
                   "password": None if u.password is None else str(u.password),
                   "host": u.host, "port": port, "database": u.database,
                   "query": query})


def main():
    try:
        from sqlalchemy.engine.url import make_url
    except ImportError:
        print("skipped: python3-sqlalchemy is not installed")
        return SKIPPED
    dump, table = sys.argv[1], sys.argv[2]
    urls = read_table(table)
    mine = ours(dump, urls)
    failures = []
    same = refused_ok = both_refuse = 0
    for (url, refused), (ostat, oval) in zip(urls, mine):
        tstat, tval = theirs(make_url, url)
        if refused:
            if tstat != "ok":
                failures.append("%r: marked refused, but make_url refuses it too (%s)"
                                % (url, tval))
            elif ostat != "error":
                failures.append("%r: marked refused, but ours accepts it" % url)
            else:
                refused_ok += 1
        elif tstat == "error":
            if ostat != "error":
                failures.append("%r: make_url refuses it (%s), ours accepts it" % (url, tval))
            else:
                both_refuse += 1
        elif ostat == "error":
            failures.append("%r: make_url accepts it, ours refuses it: %s" % (url, oval))
        else:
            for field in tval:
                if tval[field] != oval[field]:
                    failures.append("%r: %s is %r for make_url, %r for ours"
                                    % (url, field, tval[field], oval[field]))
            same += 1 if all(tval[f] == oval[f] for f in tval) else 0
    print("%d URLs: %d parsed alike field by field, %d refused by both, "
          "%d refused here on purpose" % (len(urls), same, both_refuse, refused_ok))
    for f in failures:
        print("DIFFERENT: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
