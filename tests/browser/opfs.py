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


def file_js(folder: str) -> str:
    """A page function of a file's name: that file of the root's `folder` as the page reads it
    (with a File, not the worker's synchronous handles), {base64: its bytes, modified: when it was
    written}."""
    return f"""async (name) => {{
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle({folder!r});
    const file = await (await folder.getFileHandle(name)).getFile();
    const bytes = new Uint8Array(await file.arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return {{ base64: btoa(text), modified: file.lastModified }};
}}"""
