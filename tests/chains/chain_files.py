"""Small chain files shared by the chains-as-data tests."""

from __future__ import annotations

SMALL = """\
id: 1
code: software
name: 软件和信息服务
name_en: Software and information services
segments:
  - code: basic
    name: 基础软件
    stream: upstream
    industry: ["6511"]
    products: [操作系统, 数据库]
    keywords: [操作系统]
    bottleneck: true
    segments:
      - {code: os, name: 操作系统, industry: ["6511"]}
      - {code: db, name: 数据库}
  - code: apps
    name: 应用软件
    stream: midstream
    industry: ["6513"]
  - code: services
    name: 信息技术服务
    stream: downstream
    industry: ["6531", "I6540"]
"""

FLAT = """\
id: 2
code: flat
name: 扁平写法
segments:
  - {code: a, name: 上游, stream: upstream}
  - {code: b, name: 下级, parent: a}
  - {code: c, name: 再下级, parent: b, bottleneck: true}
  - {code: d, name: 下游, stream: downstream}
"""

# Every kind of error at a known line.
BROKEN = """\
id: 0
code: broken
name: 坏文件
colour: red
segments:
  - code: a
    name: 甲
    stream: sideways
    industry: ["9999", 6511]
  - code: a
    name: 重复
    stream: upstream
  - code: orphan
    name: 孤儿
    parent: nowhere
  - {code: x, name: X, parent: y, stream: upstream}
  - {code: y, name: Y, parent: x}
  - {code: 12, name: 数字代码, stream: upstream}
  - {name: 无代码, stream: upstream}
  - {code: nostream, name: 无链位}
"""
