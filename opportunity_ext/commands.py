"""`bench --site <site> opportunity-ext …`: the app's bench commands."""

import json

import click
from frappe.commands import get_site, pass_context


@click.group("opportunity-ext")
def opportunity_ext():
	"""opportunity_ext: a complete sales-opportunity workbench for ERPNext."""


@opportunity_ext.command("demo")
@click.option("--remove", is_flag=True, help="Delete exactly what the demo made (cancelling first).")
@click.option("--count", default=200, show_default=True, help="How many opportunities to make.")
@pass_context
def demo(context, remove=False, count=200):
	"""Fill the site with a clearly marked demo sales pipeline (or remove it)."""
	import frappe

	from opportunity_ext.demo import make_demo, remove_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		if remove:
			click.echo(f"Removed {remove_demo()} demo records.")
		else:
			result = make_demo(count)
			if not result.pop("added"):
				click.echo("The demo is there already: nothing added (remove it with --remove).")
			click.echo(json.dumps(result, indent=1, ensure_ascii=False))
		frappe.db.commit()
	finally:
		frappe.destroy()


@opportunity_ext.command("train-probability")
@click.option("--company", help="Train this company only (default: every company with opportunities).")
@pass_context
def train_probability(context, company=None):
	"""Learn the win probability from the closed opportunities, backtest it, and re-score the open ones."""
	import frappe

	from opportunity_ext.win_model.training import companies_with_deals, train

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		for name in [company] if company else companies_with_deals():
			model = train(name)
			frappe.db.commit()
			click.echo(
				f"{name}: {model.status} ({model.won_deals} won, {model.lost_deals} lost, "
				f"{model.training_seconds} s). {model.reason}"
			)
	finally:
		frappe.destroy()


commands = [opportunity_ext]
