"""Tiny SAVEE in the original nested layout (AudioData/<speaker>/a01.wav, with AudioData/Info.txt)."""

from builders import write_tiny_savee


def write(root):
    write_tiny_savee(root, layout="nested")
    (root / "savee" / "AudioData" / "Info.txt").write_text(
        "The initial letter(s) of the file name represents the emotion class, and the following digits "
        "represent the sentence number.\n")
    return root
