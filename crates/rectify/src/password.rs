//! Reading a new password without echoing or logging it.

use crate::error::CliError;
use std::io::BufRead;

/// From the first line of stdin (for scripts), or from the terminal, typed twice.
pub fn read_new_password(from_stdin: bool) -> Result<String, CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::environment(format!("无法从标准输入读取密码：{e}")))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let no_tty = |e: std::io::Error| {
        CliError::environment(format!(
            "无法在终端读取密码（{e}）；脚本中请使用 --password-stdin"
        ))
    };
    let first = rpassword::prompt_password("新密码：").map_err(no_tty)?;
    let second = rpassword::prompt_password("再次输入新密码：").map_err(no_tty)?;
    if first != second {
        return Err(CliError::failure("两次输入的密码不一致"));
    }
    Ok(first)
}
