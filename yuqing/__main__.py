from yuqing.cli import run

run()
