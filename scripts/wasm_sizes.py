#!/usr/bin/env python3
"""Where the bytes of a wasm go: its sections, and its code by crate (from the function names of
the `name` section, so run it on cargo's output before wasm-opt strips them, e.g.
$CARGO_TARGET_DIR/wasm32-unknown-unknown/worker/tumbler-engine.wasm). Usage: wasm_sizes.py FILE [N]."""
import sys, re, collections
d = open(sys.argv[1], 'rb').read()
def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
i = 8; sections = []; imports_funcs = 0; code = None; names = {}
while i < len(d):
    sid = d[i]; i += 1; size, i = leb(d, i); start = i; i += size
    sections.append((sid, size, start))
secsize = collections.Counter()
for sid, size, start in sections:
    if sid == 0:
        n, j = leb(d, start); nm = d[j:j+n].decode(); secsize['custom:'+nm] += size
        if nm == 'name':
            k = j + n
            while k < start + size:
                sub = d[k]; k += 1; ssz, k = leb(d, k); e = k + ssz
                if sub == 1:
                    cnt, k2 = leb(d, k)
                    for _ in range(cnt):
                        idx, k2 = leb(d, k2); ln, k2 = leb(d, k2); names[idx] = d[k2:k2+ln].decode('utf8', 'replace'); k2 += ln
                k = e
    else:
        secsize[{1:'type',2:'import',3:'function',5:'memory',6:'global',7:'export',10:'code',11:'data',12:'datacount',4:'table',9:'elem'}.get(sid,str(sid))] += size
    if sid == 2:
        cnt, j = leb(d, start)
        for _ in range(cnt):
            n, j = leb(d, j); j += n; n, j = leb(d, j); j += n; kind = d[j]; j += 1
            if kind == 0: _, j = leb(d, j); imports_funcs += 1
            elif kind == 1: j += 1; fl, j = leb(d, j); _, j = leb(d, j); j = leb(d, j)[1] if fl & 1 else j
            elif kind == 2: fl, j = leb(d, j); _, j = leb(d, j); j = leb(d, j)[1] if fl & 1 else j
            elif kind == 3: j += 2
    if sid == 10: code = start
print({k: v for k, v in secsize.most_common()})
cnt, j = leb(d, code); by = collections.Counter()
def demangle(n):
    """Rust's legacy mangling, roughly: `_ZN3foo3bar17h..E` → `foo::bar`, `$LT$` → `<`."""
    if not n.startswith('_ZN'): return n
    parts, k = [], 3
    while k < len(n) and n[k].isdigit():
        m = re.match(r'\d+', n[k:]); ln = int(m.group()); k += len(m.group())
        parts.append(n[k:k+ln]); k += ln
    s = '::'.join(p for p in parts if not re.fullmatch(r'h[0-9a-f]{16}', p))
    for a, b in (('$LT$', '<'), ('$GT$', '>'), ('$u20$', ' '), ('$RF$', '&'), ('$C$', ','), ('..', '::'), ('$u7b$', '{'), ('$u7d$', '}')):
        s = s.replace(a, b)
    return s.lstrip('_')
def crate(n):
    n = demangle(n)
    m = re.search(r'(?:<|^|\s)_?(?:&?(?:mut )?)?([a-z_][a-z0-9_]*)::', n)
    return m.group(1) if m else n[:30]
for f in range(cnt):
    sz, j2 = leb(d, j); body = j2 - j + sz; j = j2 + sz
    by[crate(names.get(imports_funcs + f, '?'))] += body
tot = sum(by.values())
for k, v in by.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 25): print(f"{v/1e3:9.1f} KB {100*v/tot:5.1f}%  {k}")
