"""The one ARFF reader (harness.data.arff): values, quoting, missing values, errors with their line, speed."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

from harness.data.arff import ArffError, read_arff, split_values
from harness.errors import HarnessError

HEAD = ("% written by the test\n@relation 'r r'\n\n@attribute name string\n@attribute 'frame time' real\n"
        "@attribute cls {low,'very high'}\n@attribute day date 'yyyy-MM-dd'\n@attribute n integer\n\n@data\n")
#: the first data line of a file that starts with HEAD
FIRST = HEAD.count("\n") + 1


def read(tmp_path, text: str | bytes, name: str = "t.arff"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return read_arff(path)


def test_quoted_strings_escapes_missing_and_nominal(tmp_path):
    table = read(tmp_path, HEAD + "'a, b',0.5,low,'2016-01-02',3\n"
                                  "% a comment between rows\n"
                                  "\"c\\\"d\", ?, 'very high', ?, -4\n"
                                  "'it\\'s\\\\',1e-3,?,2016-01-03,?\n"
                                  "'?',inf,low,'x,y',0\n"
                                  "plain text,  -2.5 ,low,d,1\n")
    assert table.relation == "r r"
    assert table.names == ["name", "frame time", "cls", "day", "n"]
    assert table.types == ["string", "real", "nominal", "date", "integer"]
    assert table.attributes[2].values == ("low", "very high")
    assert table.rows == [["a, b", 0.5, "low", "2016-01-02", 3.0],
                          ['c"d', None, "very high", None, -4.0],
                          ["it's\\", 0.001, None, "2016-01-03", None],
                          ["?", float("inf"), "low", "x,y", 0.0],  # a quoted ? is text, not missing
                          ["plain text", -2.5, "low", "d", 1.0]]
    assert table.lines == [FIRST, FIRST + 2, FIRST + 3, FIRST + 4, FIRST + 5]
    assert table.where(1) == f"{tmp_path / 't.arff'}:{FIRST + 2}"
    assert str(table.frame["frame time"].dtype) == "float64" and table.frame["name"].dtype == object
    assert np.isnan(table.numbers("frame time")[1]) and table.column("CLS").tolist()[1] == "very high"


def test_plain_and_quoted_rows_mix_in_file_order(tmp_path):
    """Plain rows go through pandas, odd ones through the exact tokenizer; the table keeps file order."""
    rows = [f"'r{i}',{i}.25,low,d,{i}" if i % 3 else f"\"r{i}\" ,{i}.25,'low',d,{i}" for i in range(12)]
    table = read(tmp_path, HEAD + "\n".join(rows) + "\n")
    assert table.column("name").tolist() == [f"r{i}" for i in range(12)]
    assert table.numbers("frame time").tolist() == [i + 0.25 for i in range(12)]
    assert table.lines == list(range(FIRST, FIRST + 12))


def test_double_quoted_files_bom_crlf_and_nan_spellings(tmp_path):
    text = '@relation r\r\n@attribute id string\r\n@attribute x numeric\r\n@data\r\n"a",nan\r\n"b",-NaN\r\n"c",1\r\n'
    table = read(tmp_path, b"\xef\xbb\xbf" + text.encode())
    assert table.column("id").tolist() == ["a", "b", "c"]
    x = table.numbers("x")
    assert np.isnan(x[:2]).all() and x[2] == 1.0


def test_empty_data_section_gives_typed_empty_frame(tmp_path):
    table = read(tmp_path, HEAD)
    assert table.rows == [] and list(table.frame.columns) == table.names
    assert str(table.frame["n"].dtype) == "float64" and table.frame["name"].dtype == object


def test_split_values():
    assert split_values(" 'a,b' , \"c\\nd\",?, e f ,'?',", "w") == ["a,b", "c\nd", None, "e f", "?", ""]
    with pytest.raises(ArffError, match=r"^w: unterminated quoted value"):
        split_values("1,'abc", "w")
    with pytest.raises(ArffError, match=r"^w: unexpected text after a quoted value"):
        split_values("'ab'c,1", "w")


@pytest.mark.parametrize("data, line, message", [
    ("'a',1,low,d,2,7", 1, r"6 values, but the header declares 5 attributes \(name, frame time, cls, day, n\)"),
    ("'a',1,low,d", 1, r"4 values, but the header declares 5 attributes"),
    ("'a,b',1,low,d", 1, r"4 values, but the header declares 5"),  # right comma count, one is quoted
    ("'a',1,low,d,2,", 1, r"6 values"),  # a trailing comma ends with an empty value
    ("'a',1,low,d,2\n'b',x1,low,d,2", 2, r"attribute 'frame time' is numeric but the value is 'x1'"),
    ("'a' ,1,low,d,2\n'b' ,1,low,d,", 2, r"attribute 'n' is numeric but the value is ''"),  # exact path
    ("'a',1,medium,d,2", 1, r"attribute 'cls' is nominal \{low,very high\} but the value is 'medium'"),
    ("'a',1,low,d,2\n'open,1,low,d,2", 2, r"unterminated quoted value"),
    ("'a'b,1,low,d,2", 1, r"unexpected text after a quoted value"),
    ("'a',1,low,d,2\n{0 'a', 4 1}", 2, r"sparse ARFF rows are not supported"),
])
def test_bad_rows_name_file_and_line(tmp_path, data, line, message):
    with pytest.raises(ArffError, match=rf"t\.arff:{FIRST + line - 1}: {message}"):
        read(tmp_path, HEAD + data + "\n")


@pytest.mark.parametrize("text, message", [
    ("@relation r\n@attribute a numeric\n@attribute b relational\n@data\n", r":3: relational attributes"),
    ("@relation r\n@attribute a numeric\n@attribute b text\n@data\n", r":3: attribute 'b' has unknown type 'text'"),
    ("@relation r\n@attribute a\n@data\n", r":2: malformed @attribute line"),
    ("@relation r\n@attribute c {a,b\n@data\n", r":2: nominal attribute 'c' without a closing"),
    ("@relation r\n@attribute a numeric\n@attribute 'a' real\n@data\n", r":3: attribute 'a' declared again "
                                                                       r"\(first at line 2\)"),
    ("@relation r\n\n@data\n1\n", r":3: @data before any @attribute"),
    ("@relation r\nname,value\n@data\n", r":2: unexpected line in the ARFF header: 'name,value'"),
    ("@relation r\n@attribute a numeric\n", r": no @data section \(not an ARFF file\?\)"),
    ("", r": no @data section"),
])
def test_bad_headers_name_file_and_line(tmp_path, text, message):
    with pytest.raises(ArffError, match=r"t\.arff" + message):
        read(tmp_path, text)


def test_bad_encoding_and_unreadable_file(tmp_path):
    with pytest.raises(ArffError, match=r"t\.arff:4: not a text \(UTF-8\) ARFF file .*0xff"):
        read(tmp_path, b"@relation r\n@attribute a string\n@data\n'\xff\xfe'\n")
    with pytest.raises(ArffError, match=r"missing\.arff: cannot read"):
        read_arff(tmp_path / "missing.arff")
    assert issubclass(ArffError, HarnessError)


def test_missing_attribute_and_text_as_numbers_are_errors(tmp_path):
    table = read(tmp_path, HEAD + "'a',1,low,d,2\n")
    with pytest.raises(ArffError, match=r"t\.arff: no attribute 'GoldStandard' \(attributes: name, frame time"):
        table.column("GoldStandard")
    with pytest.raises(ArffError, match=rf"t\.arff:{HEAD.splitlines().index('@attribute name string') + 1}: "
                                        r"attribute 'name' is string, not numeric"):
        table.numbers("name")


def avec_like(rows: int, features: int, seed: int = 0) -> tuple[str, np.ndarray]:
    """An AVEC-style feature file (Instance_name, frameTime, features) and the numbers written to it."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, features)) * 10.0 ** rng.integers(-4, 4, size=(rows, features))
    values[:, 0] = np.arange(rows) * 0.04
    body = io.StringIO()
    np.savetxt(body, values, fmt="%.9g", delimiter=",")
    lines = [f"'train_1',{line}" for line in body.getvalue().splitlines()]
    head = ("@relation 'AVEC features'\n@attribute Instance_name string\n@attribute frameTime numeric\n"
            + "".join(f"@attribute f{j} numeric\n" for j in range(1, features)) + "@data\n")
    return head + "\n".join(lines) + "\n", values


def test_large_file_matches_a_direct_numpy_parse_and_is_fast(tmp_path):
    text, _ = avec_like(7501, 120)
    path = tmp_path / "train_1.arff"
    path.write_text(text)
    numbers_only = "\n".join(line.split(",", 1)[1] for line in text.split("@data\n", 1)[1].splitlines())
    expected = np.loadtxt(io.StringIO(numbers_only), delimiter=",", dtype=np.float64)
    start = time.perf_counter()
    table = read_arff(path)
    elapsed = time.perf_counter() - start
    assert table.frame.shape == (7501, 121)
    assert np.array_equal(table.frame.iloc[:, 1:].to_numpy(np.float64), expected)
    assert set(table.column("Instance_name")) == {"train_1"}
    assert table.lines[0] == 124 and table.lines[-1] == 124 + 7500  # 1 @relation, 121 @attribute, @data
    assert elapsed < 3.0, f"{elapsed:.2f} s for 7501 x 121 values"  # about 0.15 s through pandas


def test_fast_and_exact_paths_read_the_same_numbers(tmp_path):
    """Lines the exact tokenizer reads (here: a space before a comma) give the same floats as pandas."""
    text, values = avec_like(400, 30, seed=1)
    fast = read(tmp_path, text, "fast.arff")
    exact = read(tmp_path, text.replace("'train_1',", "'train_1' ,"), "exact.arff")
    assert np.array_equal(fast.frame.iloc[:, 1:].to_numpy(np.float64), exact.frame.iloc[:, 1:].to_numpy(np.float64))
    assert np.allclose(fast.frame.iloc[:, 1:].to_numpy(np.float64), values, rtol=1e-8)


def test_bad_value_deep_in_a_large_file_names_its_line(tmp_path):
    text, _ = avec_like(3000, 60, seed=2)
    lines = text.splitlines()
    lines[-10] = lines[-10].rsplit(",", 1)[0] + ",1.5.2"
    with pytest.raises(ArffError, match=rf"big\.arff:{len(lines) - 9}: attribute 'f59' is numeric but the value "
                                        r"is '1\.5\.2'"):
        read(tmp_path, "\n".join(lines) + "\n", "big.arff")
