"""Tiny EMO-DB as download.zip unpacks it: three speakers x seven emotions in wav/, with the annotation
folders and text files beside it (not used by the adapter)."""

from builders import write_tiny_emodb


def write(root):
    write_tiny_emodb(root, per_cell=1, speakers=("03", "08", "09"))
    base = root / "emodb"
    (base / "lablaut").mkdir(exist_ok=True)
    (base / "lablaut" / "03a01Waxx.lablaut").write_text("0.000 #\n")
    (base / "erklaerung.txt").write_text("Die Auswahl der Saetze erfolgt bei mind. 80% richtig erkannter Emotion\n")
    return root
