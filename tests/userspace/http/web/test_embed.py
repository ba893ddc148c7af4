"""userspace/http/web/embed.py: the vendored packages are embedded only when
their tarball has the checksum vendor.lock records. Runs offline: the
tarballs are made here."""

import base64
import hashlib
import importlib.util
import io
import os
import tarfile
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
EMBED = os.path.join(HERE, "..", "..", "..", "..", "userspace", "http", "web", "embed.py")
spec = importlib.util.spec_from_file_location("embed", EMBED)
embed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(embed)


def make_tarball(path, files):
    with tarfile.open(path, "w:gz") as t:
        for name, body in files.items():
            info = tarfile.TarInfo("package/" + name)
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    with open(path, "rb") as f:
        return "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()


class Embed(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        self.tarballs = os.path.join(d, "vendor")
        os.makedirs(self.tarballs)
        self.integrity = make_tarball(os.path.join(self.tarballs, "pkg-1.0.0.tgz"),
                                      {"dist/pkg.min.js": b"var a=1;", "LICENSE": b"ISC"})
        self.page = os.path.join(d, "page")
        os.makedirs(self.page)
        with open(os.path.join(self.page, "index.html"), "wb") as f:
            f.write(b"<!DOCTYPE html>")
        self.out = os.path.join(d, "web_assets.cpp")

    def tearDown(self):
        self.dir.cleanup()

    def lock(self, integrity):
        path = os.path.join(self.dir.name, "vendor.lock")
        with open(path, "w") as f:
            f.write("# comment\npkg 1.0.0 ISC %s dist/pkg.min.js LICENSE\n" % integrity)
        return path

    def test_embeds_the_page_and_the_listed_files_with_their_metadata(self):
        embed.main(["embed.py", self.lock(self.integrity), self.page, self.tarballs, self.out])
        with open(self.out) as f:
            cpp = f.read()
        self.assertIn('"/", "text/html; charset=utf-8"', cpp)
        self.assertIn('"/ui/vendor/pkg/pkg.min.js", "text/javascript; charset=utf-8"', cpp)
        self.assertIn('"/ui/vendor/pkg/LICENSE", "text/plain; charset=utf-8"', cpp)
        self.assertIn('{"pkg", "1.0.0", "ISC", "%s"}' % self.integrity, cpp)
        self.assertIn(",".join(str(b) for b in b"var a=1;"), cpp)

    def test_refuses_a_tarball_with_another_checksum(self):
        wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"other").digest()).decode()
        # The tarball on disk does not match, so embed.py fetches it again
        # with npm: a stand-in npm (no registry is asked) serves other bytes.
        bin_dir = os.path.join(self.dir.name, "bin")
        os.makedirs(bin_dir)
        with open(os.path.join(bin_dir, "npm"), "w") as f:
            f.write('#!/bin/sh\nwhile [ "$1" != --pack-destination ]; do shift; done\n'
                    'echo tampered > "$2/pkg-1.0.0.tgz"\n')
        os.chmod(os.path.join(bin_dir, "npm"), 0o755)
        path = os.environ["PATH"]
        os.environ["PATH"] = bin_dir + os.pathsep + path
        try:
            with self.assertRaises(SystemExit) as e:
                embed.main(["embed.py", self.lock(wrong), self.page, self.tarballs, self.out])
        finally:
            os.environ["PATH"] = path
        self.assertIn("is not the " + wrong + " of vendor.lock", str(e.exception))
        self.assertFalse(os.path.exists(self.out))
        self.assertFalse(os.path.exists(os.path.join(self.tarballs, "pkg-1.0.0.tgz")),
                         "the refused tarball is not kept")

    def test_a_listed_file_missing_from_the_package_is_an_error(self):
        path = os.path.join(self.dir.name, "vendor.lock")
        with open(path, "w") as f:
            f.write("pkg 1.0.0 ISC %s dist/none.js\n" % self.integrity)
        with self.assertRaises(SystemExit) as e:
            embed.main(["embed.py", path, self.page, self.tarballs, self.out])
        self.assertIn("has no file dist/none.js", str(e.exception))


if __name__ == "__main__":
    unittest.main()
