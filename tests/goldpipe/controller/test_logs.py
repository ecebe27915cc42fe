from __future__ import annotations

import json
import logging

from goldpipe.controller.logs import JsonFormatter


def test_log_lines_are_json_with_extra_fields():
    record = logging.LogRecord("goldpipe.controller", logging.INFO, __file__, 1, "applied %s", ("x",), None)
    record.schedule = "goldpipe-nightly"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "applied x" and line["level"] == "info"
    assert line["schedule"] == "goldpipe-nightly" and line["time"].endswith("+00:00")
