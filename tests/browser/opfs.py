"""What the browser tests read of the origin private file system, where the worker keeps its
start-up snapshots and packages."""

from __future__ import annotations


def folder_names_js(folder: str) -> str:
    """A page function: the names in the root's `folder`, sorted ([] when there is no such folder).
    It lists the folder only: reading a file would hold it while the worker writes or renames it."""
    return f"""async () => {{
    let folder;
    try {{
        folder = await (await navigator.storage.getDirectory()).getDirectoryHandle({folder!r});
    }} catch {{
        return [];
    }}
    const names = [];
    for await (const name of folder.keys()) names.push(name);
    return names.sort();
}}"""
