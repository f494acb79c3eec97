"""worker/invoke_trampolines.js against Pyodide's own trampolines (its createInvoke), in a runtime
started the way the worker starts it (definingRuntimeFactory, so with the offset table deferred
too), in this Chromium, which has JSPI (the only case where Pyodide makes trampolines at all).

For every `invoke_<sig>` the runtime imports, ours (the runtime's import, from one module) and
Pyodide's (made for the same signature) call the same table function with the same random
arguments: both answer what the function answers; when it throws Pyodide's tagged error after
moving the stack pointer, both answer zero, restore the stack pointer and set the runtime's
threw flag the same way; when it throws any other error, both let that error through untouched.
"""

from __future__ import annotations

import pytest

from tests.core.bundle_node import runtime_factory_parts

COMPARE = """async (bundle) => {
    definingRuntimeFactory(import(bundle + "pyodide/pyodide.asm.js"), "pyodide.asm.js");
    const { loadPyodide } = await import(bundle + "pyodide/pyodide.mjs");
    const pyodide = await loadPyodide({ indexURL: bundle + "pyodide/" });
    const M = pyodide._module;
    const imports = M.LDSO.loadedLibsByName.__main__.exports;
    const names = Object.keys(imports).filter((name) => name.startsWith("invoke_")).sort();
    const ours = names.map((name) => imports[name]);
    const threwWords = () => [M.HEAP32[M.___THREW__ >> 2], M.HEAP32[(M.___THREW__ + 1024) >> 2]];
    const clearThrew = () => { M.HEAP32[M.___THREW__ >> 2] = 0; M.HEAP32[(M.___THREW__ + 1024) >> 2] = 0; };
    const argument = (c, i) => c === "j" ? BigInt.asIntN(64, BigInt(i * 7919 + 3) << 33n) - 5n
        : c === "f" ? Math.fround(i * 1.25 - 3.5) : c === "d" ? i * 0.1 - 7.25 : (i * 104729) | 0;
    const answer = (c) => c === "j" ? -123456789012345n : c === "f" ? Math.fround(2.5) : c === "d" ? -0.375 : 77;
    const zero = (c) => c === "j" ? 0n : c === "v" ? undefined : 0;
    const same = (a, b) => (typeof a === "bigint" || typeof b === "bigint") ? a === b : Object.is(a, b);
    const rows = [];
    for (const [k, name] of names.entries()) {
        const sig = name.slice("invoke_".length);
        const theirs = M.createInvoke(sig);
        const args = [...sig.slice(1)].map(argument);
        let mode = "return", seen = null;
        const tagged = M.wrapException(new Error("tagged"));
        const untagged = new RangeError("untagged");
        const callee = (...got) => {
            seen = got;
            if (mode === "return") return sig[0] === "v" ? undefined : answer(sig[0]);
            M.stackRestore(M.stackSave() - 64);
            throw mode === "tagged" ? tagged : untagged;
        };
        const index = M.addFunction(callee, sig);
        const outcome = (invoke) => {
            clearThrew();
            seen = null;
            const sp = M.stackSave();
            let result, error = null;
            try { result = invoke(index, ...args); } catch (e) { error = e; }
            const out = { result, error, args: seen, spMoved: M.stackSave() - sp, threw: threwWords() };
            M.stackRestore(sp);
            clearThrew();
            return out;
        };
        const row = { name };
        for (const m of ["return", "tagged", "untagged"]) {
            mode = m;
            const [a, b] = [outcome(ours[k]), outcome(theirs)];
            row[m] = {
                sameResult: same(a.result, b.result),
                expected: same(a.result, m === "return" ? (sig[0] === "v" ? undefined : answer(sig[0])) : m === "tagged" ? zero(sig[0]) : undefined),
                sameArgs: JSON.stringify(a.args, (_, v) => typeof v === "bigint" ? v + "n" : v) === JSON.stringify(b.args, (_, v) => typeof v === "bigint" ? v + "n" : v),
                argsPassed: a.args !== null && a.args.length === args.length && a.args.every((v, i) => same(v, args[i])),
                sameError: a.error === b.error, error: a.error === null ? null : a.error === untagged ? "untagged" : String(a.error),
                spMoved: [a.spMoved, b.spMoved], threw: [a.threw, b.threw],
            };
        }
        rows.push(row);
    }
    return { rows, distinct: new Set(ours).size, ownNames: ours.map((f) => f.name),
             answer: pyodide.runPython("import json; json.dumps(sorted({'b': 2, 'a': 1}.items()))") };
}"""


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    for part in runtime_factory_parts():
        page.add_script_tag(content=part.read_text())
    yield page
    context.close()


def test_the_trampolines_from_one_module_do_what_pyodides_own_do(page, bundle_url):
    found = page.evaluate(COMPARE, bundle_url)
    rows = found["rows"]
    assert len(rows) >= 30  # the runtime imports 38 today
    signatures = {row["name"][len("invoke_") :] for row in rows}
    # every kind of value, as result and as argument: i32, i64 (BigInt), f32, f64, none
    assert {s[0] for s in signatures} == set("ijfdv") and set("".join(s[1:] for s in signatures)) == set(
        "ijfd"
    )
    for row in rows:
        ret, tagged, untagged = row["return"], row["tagged"], row["untagged"]
        assert ret == {
            **ret,
            "sameResult": True,
            "expected": True,
            "sameArgs": True,
            "argsPassed": True,
            "sameError": True,
            "error": None,
            "spMoved": [0, 0],
            "threw": [[0, 0], [0, 0]],
        }, row
        # caught: zero answered, the stack pointer back where it was, threw set as Pyodide sets it
        assert tagged["sameResult"] and tagged["expected"] and tagged["sameArgs"] and tagged["argsPassed"], (
            row
        )
        assert tagged["error"] is None and tagged["spMoved"] == [0, 0], row
        assert tagged["threw"][0] == tagged["threw"][1] and 1 in tagged["threw"][0], row
        # not Pyodide's tag: through untouched, the stack left as the callee left it
        assert untagged["sameError"] and untagged["error"] == "untagged", row
        assert untagged["spMoved"] == [-64, -64] and untagged["threw"] == [[0, 0], [0, 0]], row
    # ours: one module's functions (exported functions are named by their index in their module)
    assert found["distinct"] == len(rows)
    assert sorted(int(name) for name in found["ownNames"]) == list(range(3, 3 + len(rows)))
    assert found["answer"] == '[["a", 1], ["b", 2]]'
