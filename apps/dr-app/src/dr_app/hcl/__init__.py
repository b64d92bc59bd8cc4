"""Export synthesized stacks (``cdk.tf.json``) as Terraform native syntax (``.tf`` files).

The JSON that CDKTF writes is plain Terraform and stays the authoritative artifact; this
converter produces the same configuration in HCL for people who want to maintain it by
hand after leaving CDKTF (see docs/hcl-export.md).

Terraform's JSON syntax does not say whether an object is a nested block or an argument
of object type: Terraform decides that from the provider schema. So does this converter,
which reads the schema printed by ``terraform providers schema -json``. By default it
obtains it by running ``terraform init`` and ``terraform providers schema -json`` on a
copy of each stack without its backend (providers come from the registry, a mirror or
``TF_PLUGIN_CACHE_DIR``); ``--schema FILE`` uses a saved schema instead.

Anything the converter cannot translate exactly (``dynamic`` blocks, provisioners, a
key the schema does not know) stops it with an error naming the stack and the path:
the output is either faithful or not written.

The command line is ``scripts/export_hcl.py``; :func:`export` is the same export for a program.
For each stack it writes ``<out>/<stack>/{terraform,providers,main,outputs}.tf`` (and
``variables.tf``/``locals.tf`` when used) and copies the stack's ``assets/`` directory,
which the Lambda functions reference by relative path.
"""

from __future__ import annotations

from dr_app.hcl.convert import STACK_FILE, convert_stack, load_stack_json
from dr_app.hcl.export import DEFAULT_OUT_DIR, DEFAULT_STACKS_DIR, ExportOptions, export
from dr_app.hcl.schema import ExportError, Schemas
from dr_app.hcl.syntax import literal_string, template_expression

__all__ = [
    "DEFAULT_OUT_DIR",
    "DEFAULT_STACKS_DIR",
    "STACK_FILE",
    "ExportError",
    "ExportOptions",
    "Schemas",
    "convert_stack",
    "export",
    "literal_string",
    "load_stack_json",
    "template_expression",
]
