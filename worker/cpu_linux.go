package worker

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of /proc's times: USER_HZ, 100 on every Linux
// kvsim runs on (reading sysconf(_SC_CLK_TCK) would need cgo).
const clockTick = 10 * time.Millisecond

// processCPU is the user and system time process pid has used, from
// /proc/pid/stat.
func processCPU(pid int) (time.Duration, bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	return statCPU(stat)
}

// statCPU reads the user and system time off a /proc/pid/stat line.
func statCPU(stat []byte) (time.Duration, bool) {
	// The command name, field 2, is in parentheses and may hold spaces:
	// the fields after it start at the last ')'. utime and stime are
	// fields 14 and 15, the 12th and 13th after it.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := bytes.Fields(stat[i+1:])
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}
