/* The Lua 5.4 interpreter (vendored in lua/, unchanged) running benchmark scripts embedded
 * below: recursion, tables and sorting, strings, closures and metatables. Lua's own libraries
 * base, string, table and math are opened; Lua raises its errors with setjmp/longjmp (for wasm:
 * clang's -mllvm -wasm-enable-sjlj, with the runtime in tests/fixtures/sjlj_rt).
 *
 * usage: lua_bench [SCALE]   (SCALE multiplies the work, default 1.0)
 */
#include <stdio.h>
#include <stdlib.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

static const char *const SCRIPT =
    "local scale = ...\n"
    "local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end\n"
    "print('fib', fib(math.floor(24 + math.log(scale, 1.618))))\n"
    /* tables: fill, sort with a comparator, aggregate */
    "local n = math.floor(150000 * scale)\n"
    "local t, seed = {}, 42\n"
    "for i = 1, n do seed = (seed * 1103515245 + 12345) % 2147483648; t[i] = seed end\n"
    "table.sort(t, function(a, b) return a > b end)\n"
    "local sum = 0\n"
    "for i = 1, n, 7 do sum = (sum + t[i] * i) % 1000000007 end\n"
    "print('sort', t[1], t[n], sum)\n"
    "local counts = {}\n"
    "for i = 1, n do local k = t[i] % 1000; counts[k] = (counts[k] or 0) + 1 end\n"
    "local most, key = 0, -1\n"
    "for k, v in pairs(counts) do if v > most or (v == most and k < key) then most, key = v, k end end\n"
    "print('counts', most, key)\n"
    /* strings: formatting, concatenation through a buffer, patterns */
    "local parts = {}\n"
    "for i = 1, math.floor(60000 * scale) do parts[#parts + 1] = string.format('%d:%x;', i, i * 31) end\n"
    "local s = table.concat(parts)\n"
    "local hits, total = 0, 0\n"
    "for a, b in s:gmatch('(%d+):(%x+);') do hits = hits + 1; total = (total + tonumber(b, 16) - a) % 1000003 end\n"
    "local upper = s:sub(1, 200000):upper():gsub('[A-F]', '#')\n"
    "print('strings', #s, hits, total, #upper, select(2, upper:gsub('#', '')))\n"
    /* closures and metatables: a vector class used in a small simulation */
    "local V = {}\n"
    "V.__index = V\n"
    "local function vec(x, y) return setmetatable({x = x, y = y}, V) end\n"
    "V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end\n"
    "V.__mul = function(a, k) return vec(a.x * k, a.y * k) end\n"
    "function V:len2() return self.x * self.x + self.y * self.y end\n"
    "local p, v, acc = vec(0, 0), vec(1, 0.5), 0\n"
    "for i = 1, math.floor(300000 * scale) do\n"
    "  local f = vec(-p.x, -p.y) * 0.001\n"
    "  v = v + f; p = p + v * 0.01; acc = acc + p:len2()\n"
    "end\n"
    "print('vectors', string.format('%.6f %.6f %.3f', p.x, p.y, acc))\n"
    "local function counter() local c = 0; return function(k) c = c + k; return c end end\n"
    "local cs, last = {}, 0\n"
    "for i = 1, 100 do cs[i] = counter() end\n"
    "for r = 1, math.floor(5000 * scale) do for i = 1, 100 do last = cs[i](r % i) end end\n"
    "print('closures', last)\n";

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    lua_State *L = luaL_newstate();
    if (!L) return 1;
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    lua_settop(L, 0);
    if (luaL_loadstring(L, SCRIPT) != LUA_OK) {
        fprintf(stderr, "lua_bench: %s\n", lua_tostring(L, -1));
        return 1;
    }
    lua_pushnumber(L, scale);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        fprintf(stderr, "lua_bench: %s\n", lua_tostring(L, -1));
        return 1;
    }
    /* An error raised and caught inside Lua, so the setjmp/longjmp path is taken too. */
    if (luaL_dostring(L, "local ok, e = pcall(error, 'expected'); print('pcall', ok, e)") != LUA_OK) {
        fprintf(stderr, "lua_bench: %s\n", lua_tostring(L, -1));
        return 1;
    }
    lua_close(L);
    return 0;
}
