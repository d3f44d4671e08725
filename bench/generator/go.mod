module eportal/bench/generator

go 1.22
