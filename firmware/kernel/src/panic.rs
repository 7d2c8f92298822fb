//! A panic prints its message and location, then stops the machine (SEC-001: no fallback).

use core::panic::PanicInfo;

use crate::board;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    board::console::enter_fatal();
    defmt::error!("panic: {}", defmt::Display2Format(info));
    board::console::flush();
    board::fatal_stop(board::ExitCode::Panic)
}
