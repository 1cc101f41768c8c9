#!/usr/bin/env python3
"""A fake 3PL for t/7200-edi.bats: no network, files only.

    fake3pl.py OUT FILE.x12 ... [--short SKU=N] [--status SKU=CODE]
               [--count SKU=N ...] [--reject] [--no-945] [--no-997]

Reads our 940 interchanges with a reader of its own (not oms's): the ISA
as fixed width, its separators taken from it, every SE count and
control number checked.  For each 940 that is not a cancel it writes a
945 in one interchange (945-N.x12): every unit of every W01 line
shipped, less what --short keeps back for a SKU (its W12 then says CP,
"partial, no backorder", or what --status says), one UPS tracking number
with a good check digit a line (MAN CP), W27 UPSN.  It writes a 997 of
each 940 group (997-N.x12: AK5 R with --reject) and, with --count, an
846 of on-hand counts (846-N.x12).  Its control numbers go on from
OUT/state.  It prints the names of the files it wrote, and what it read
on stderr; it exits 1 on a malformed interchange.
"""
import os
import sys


def die(msg):
    print("fake3pl: " + msg, file=sys.stderr)
    sys.exit(1)


def read_interchange(text):
    """Segments of an interchange, as lists of elements, checked."""
    if not text.startswith("ISA") or len(text) < 106:
        die("not an interchange, or a short ISA")
    es, ss, st = text[3], text[104], text[105]
    isa = text[:105].split(es)
    widths = [3, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
    if [len(x) for x in isa] != widths:
        die("the ISA's elements are not of their fixed widths: %r" % isa)
    segs = [s.strip("\r\n") for s in text.split(st)]
    segs = [s.split(es) for s in segs if s]
    if segs[-1][0] != "IEA" or segs[-1][2] != segs[0][13]:
        die("IEA does not close the ISA")
    sets, cur = [], None
    for s in segs:
        if s[0] == "ST":
            cur = [s]
        elif s[0] == "SE":
            cur.append(s)
            if int(s[1]) != len(cur) or s[2] != cur[0][2]:
                die("SE %r does not match its set of %d" % (s, len(cur)))
            sets.append(cur)
            cur = None
        elif cur is not None:
            cur.append(s)
    groups = [s for s in segs if s[0] == "GS"]
    return segs[0], groups, sets, (es, ss, st)


def ups(serial):
    """A UPS number 1Z + 15 characters, the last its check digit."""
    body = "999AA1" + "01" + "%07d" % serial
    total = 0
    for i, c in enumerate(body):
        v = int(c) if c.isdigit() else (ord(c) - ord("A") + 2) % 10
        total += v * (2 if i % 2 else 1)
    return "1Z" + body + str((10 - total % 10) % 10)


class Writer:
    def __init__(self, isa, ctl, when):
        self.segs = []
        self.isa = isa
        self.ctl = ctl
        self.date, self.time = when

    def seg(self, *els):
        while els and els[-1] == "":
            els = els[:-1]
        self.segs.append("*".join(els))

    def text(self, fid, gctl, sets):
        """sets: [(set id, control, [segments])]"""
        isa = self.isa
        them_q, them, us_q, us = isa[5], isa[6], isa[7], isa[8]
        out = ["ISA*00*%-10s*00*%-10s*%s*%s*%s*%s*%s*%s*U*00401*%09d*0*%s*>"
               % ("", "", us_q, us, them_q, them, self.date[2:], self.time,
                  self.ctl, isa[15])]
        out.append("GS*%s*%s*%s*%s*%s*%d*X*004010" % (
            fid, us.strip(), them.strip(), self.date, self.time, gctl))
        for sid, ctl, body in sets:
            out.append("ST*%s*%04d" % (sid, ctl))
            out.extend(body)
            out.append("SE*%d*%04d" % (len(body) + 2, ctl))
        out.append("GE*%d*%d" % (len(sets), gctl))
        out.append("IEA*1*%09d" % self.ctl)
        return "~\n".join(out) + "~\n"


def main():
    args = sys.argv[1:]
    if not args:
        die("usage: fake3pl.py OUT FILE ...")
    out, files = args[0], []
    short, status, counts = {}, {}, []
    reject = no945 = no997 = False
    i = 1
    while i < len(args):
        a = args[i]
        if a == "--short":
            k, v = args[i + 1].split("=")
            short[k] = int(v)
            i += 1
        elif a == "--status":
            k, v = args[i + 1].split("=")
            status[k] = v
            i += 1
        elif a == "--count":
            counts.append(args[i + 1].split("="))
            i += 1
        elif a == "--reject":
            reject = True
        elif a == "--no-945":
            no945 = True
        elif a == "--no-997":
            no997 = True
        else:
            files.append(a)
        i += 1
    os.makedirs(out, exist_ok=True)
    state = os.path.join(out, "state")
    n = int(open(state).read()) if os.path.exists(state) else 500
    when = (os.environ.get("FAKE3PL_DATE", "20261127"),
            os.environ.get("FAKE3PL_TIME", "1030"))
    serial = n * 10
    isa = None
    shipping, acks = [], []
    for f in files:
        isa, groups, sets, _ = read_interchange(open(f).read())
        for g in groups:
            if g[1] != "OW":
                continue
            members = [s for s in sets]
            body = ["AK1*OW*%s" % g[6]]
            for s in members:
                body.append("AK2*940*%s" % s[0][2])
                body.append("AK5*R*5" if reject else "AK5*A")
            k = len(members)
            body.append("AK9*%s*%d*%d*%d" % ("R" if reject else "A", k, k,
                                             0 if reject else k))
            acks.append(body)
        for s in sets:
            w05 = next(x for x in s if x[0] == "W05")
            print("fake3pl: read 940 %s %s (%s)" % (s[0][2], w05[2], w05[1]),
                  file=sys.stderr)
            if w05[1] != "N":
                continue
            lines, cur = [], None
            for x in s:
                if x[0] == "LX":
                    cur = {"lx": x[1]}
                    lines.append(cur)
                elif x[0] == "W01":
                    cur["qty"] = int(x[1])
                    cur["upc"] = x[3] if len(x) > 3 else ""
                    cur["sku"] = x[5]
            shipping.append((w05[2], w05[3] if len(w05) > 3 else "", lines))
    if isa is None:
        die("no interchange read")
    written = []
    if shipping and not no945:
        n += 1
        w = Writer(isa, n, when)
        sets = []
        for k, (dep, po, lines) in enumerate(shipping):
            body = ["W06*F*%s*%s*SH%d%03d**%s" % (dep, when[0], n, k, po),
                    "N1*SF*ACME FULFILMENT", "G62*11*%s*8*%s" % when,
                    "W27*U*UPSN*UPS GROUND"]
            units = 0
            for ln in lines:
                ship = ln["qty"] - short.get(ln["sku"], 0)
                units += ship
                code = status.get(ln["sku"],
                                  "CC" if ship == ln["qty"] else "CP")
                body.append("LX*%s" % ln["lx"])
                if ship > 0:
                    serial += 1
                    body.append("MAN*CP*%s" % ups(serial))
                body.append("W12*%s*%d*%d*%d*EA**SK*%s" % (
                    code, ln["qty"], ship, ln["qty"] - ship, ln["sku"]))
                body.append("N9*LI*%s" % ln["lx"])
            body.append("W03*%d*2.5*LB" % units)
            sets.append(("945", 1000 + n * 10 + k, body))
        path = os.path.join(out, "945-%d.x12" % n)
        with open(path, "w") as fh:
            fh.write(w.text("SW", n, sets))
        written.append(path)
    if acks and not no997:
        n += 1
        w = Writer(isa, n, when)
        path = os.path.join(out, "997-%d.x12" % n)
        with open(path, "w") as fh:
            fh.write(w.text("FA", n, [("997", 2000 + n * 10 + k, b)
                                      for k, b in enumerate(acks)]))
        written.append(path)
    if counts:
        n += 1
        w = Writer(isa, n, when)
        body = ["BIA*00*MM*INV%d*%s" % (n, when[0])]
        for k, (sku, qty) in enumerate(counts):
            body.append("LIN*%d*SK*%s" % (k + 1, sku))
            body.append("QTY*17*%s*EA" % qty)
        body.append("CTT*%d" % len(counts))
        path = os.path.join(out, "846-%d.x12" % n)
        with open(path, "w") as fh:
            fh.write(w.text("IB", n, [("846", 3000 + n, body)]))
        written.append(path)
    with open(state, "w") as fh:
        fh.write(str(n))
    for p in written:
        print(p)


main()
