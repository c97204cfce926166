package attackpath

import (
	"runtime"
	"sync"
)

// spread calls do(i) for every i in [0, n), on as many workers as the
// machine has cores (at most limit when it is positive). Each worker
// calls start once for its own do, so that state too big to allocate per
// item (a searcher, a sweeper) is made once per worker.
func spread(n, limit int, start func() (do func(i int))) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if limit > 0 {
		workers = min(workers, limit)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do := start()
			for i := range work {
				do(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
}
