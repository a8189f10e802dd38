# The two commands of the README: `make demo` and `make test`.
.PHONY: demo test bench clean-demo

demo:
	scripts/setup.sh
	.venv/bin/yuqing demo

test:
	scripts/test.sh

bench:
	scripts/setup.sh
	.venv/bin/python benchmarks/run.py

clean-demo:
	rm -rf yuqing-demo
