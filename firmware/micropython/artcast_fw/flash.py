# Small file helpers for the update machinery (ota_boot.py, ota.py): the
# board's filesystem has no shutil and no os.path.
#
#   flash.exists("ota_swap")
#   flash.write_json("ota_pending", {"boots": 0})    # atomic: tmp + rename
#   flash.rmtree("ota_new")
#   for name in flash.walk("ota_new"): ...           # "artcast_fw/app.mpy", ...

import json
import os

_DIR = 0x4000   # stat mode bit of a directory (ilistdir's type too)


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def is_dir(path):
    try:
        return os.stat(path)[0] & _DIR != 0
    except OSError:
        return False


def makedirs(path):
    """Create every missing folder of `path` (a folder path)."""
    done = ""
    for part in path.split("/"):
        done = part if not done else done + "/" + part
        if not exists(done):
            os.mkdir(done)


def parent_dirs(name):
    """Create the folders a file `name` ("a/b/c.mpy") needs."""
    at = name.rfind("/")
    if at > 0:
        makedirs(name[:at])


def remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def rmtree(path):
    """Delete a file or a folder with everything in it; missing is fine."""
    if not exists(path):
        return
    if not is_dir(path):
        os.remove(path)
        return
    for entry in list(os.ilistdir(path)):
        child = path + "/" + entry[0]
        if entry[1] & _DIR:
            rmtree(child)
        else:
            os.remove(child)
    os.rmdir(path)


def walk(top):
    """Every file under `top`, as a path relative to it ("a/b.mpy")."""
    out = []
    todo = [""]
    while todo:
        rel = todo.pop()
        for entry in os.ilistdir(top + "/" + rel if rel else top):
            name = rel + "/" + entry[0] if rel else entry[0]
            if entry[1] & _DIR:
                todo.append(name)
            else:
                out.append(name)
    return out


def read_json(path):
    """The decoded file, or None when missing or not JSON."""
    try:
        f = open(path)
    except OSError:
        return None
    try:
        return json.load(f)
    except ValueError:
        return None
    finally:
        f.close()


def write_json(path, obj):
    """Replace `path` whole or not at all: write a temporary, rename over."""
    tmp = path + ".tmp"
    f = open(tmp, "w")
    try:
        json.dump(obj, f)
    finally:
        f.close()
    replace(tmp, path)


def replace(src, dest):
    """os.rename over an existing file: one atomic step on littlefs (the
    ESP32 default) and POSIX; FAT refuses, so there remove first."""
    try:
        os.rename(src, dest)
    except OSError:
        remove(dest)
        os.rename(src, dest)


def move(src, dest):
    """Rename `src` to `dest`, creating dest's folders (replaces dest)."""
    parent_dirs(dest)
    replace(src, dest)


def sha256_file(path, buf):
    """Hex SHA-256 of a file read in `buf`-sized pieces, or None if missing."""
    import hashlib
    import binascii
    try:
        f = open(path, "rb")
    except OSError:
        return None
    h = hashlib.sha256()
    mv = memoryview(buf)
    try:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h.update(mv[:n])
    finally:
        f.close()
    return binascii.hexlify(h.digest()).decode()
