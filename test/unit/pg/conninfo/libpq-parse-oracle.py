# Test oracle: parses connection strings with the real libpq (PQconninfoParse) through ctypes.
# Reads a JSON list of strings on stdin, prints a JSON list of {keyword: value} or {"error": msg}.
import ctypes, json, sys
lib = ctypes.CDLL('libpq.so.5')
class Opt(ctypes.Structure):
    _fields_=[('keyword',ctypes.c_char_p),('envvar',ctypes.c_char_p),('compiled',ctypes.c_char_p),('val',ctypes.c_char_p),('label',ctypes.c_char_p),('dispchar',ctypes.c_char_p),('dispsize',ctypes.c_int)]
lib.PQconninfoParse.restype=ctypes.POINTER(Opt)
lib.PQconninfoParse.argtypes=[ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]
out=[]
for s in json.load(sys.stdin):
    err=ctypes.c_char_p()
    r=lib.PQconninfoParse(s.encode(), ctypes.byref(err))
    if not r:
        out.append({'error': err.value.decode(errors='replace').strip()})
        continue
    d={}
    i=0
    while r[i].keyword:
        if r[i].val is not None: d[r[i].keyword.decode()]=r[i].val.decode(errors='replace')
        i+=1
    out.append(d)
print(json.dumps(out))
