//! Headless TI-M client: a small command line over the product interface.
//!
//! ```text
//! TIM_PASSWORD=... TIM_STORE_PASSPHRASE=... tim-client --homeserver http://127.0.0.1:8008 \
//!     --user @alice:localhost:8448 [--store DIR] [--epa] <command>
//! commands: rooms | create <name> | invite <room> <mxid> | join <room> | send <room> <text>
//!           | read <room> | dm <mxid> <text>
//! ```
//! Secrets come from the environment, never from arguments (they would show in `ps`).

use std::process::ExitCode;

use tim_client::core::{LoginRequest, Mxid, NewMessage, NewRoom, Product, Session, StoreLocation};

struct Args {
    homeserver: url::Url,
    user: Mxid,
    store: std::path::PathBuf,
    product: Product,
    command: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let (mut homeserver, mut user, mut store, mut product, mut command) = (None, None, None, Product::Pro, Vec::new());
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--homeserver" => homeserver = it.next(),
            "--user" => user = it.next(),
            "--store" => store = it.next(),
            "--epa" => product = Product::Epa,
            "-h" | "--help" => return Err(String::new()),
            _ => command.push(arg),
        }
    }
    let homeserver = homeserver.ok_or("--homeserver is required")?;
    let user = Mxid::parse(&user.ok_or("--user is required")?).map_err(|e| e.to_string())?;
    let store = store
        .map(Into::into)
        .unwrap_or_else(|| format!(".tim-client/{}", user.as_str().replace([':', '@'], "_")).into());
    Ok(Args {
        homeserver: homeserver.parse().map_err(|e| format!("--homeserver: {e}"))?,
        user,
        store,
        product,
        command,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    tim_client::logging::init("warn");
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "{e}\nusage: tim-client --homeserver URL --user MXID [--store DIR] [--epa] <rooms|create|invite|join|send|read|dm> ..."
            );
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let password = std::env::var("TIM_PASSWORD").map_err(|_| "TIM_PASSWORD is not set")?;
    let passphrase = std::env::var("TIM_STORE_PASSPHRASE").map_err(|_| "TIM_STORE_PASSPHRASE is not set")?;
    let session = Session::login(LoginRequest {
        homeserver_url: &args.homeserver,
        store: StoreLocation {
            dir: args.store.clone(),
            passphrase,
        },
        user: &args.user,
        password: &password,
        device_display_name: "tim-client CLI",
        product: args.product,
    })
    .await?;
    let cmd: Vec<&str> = args.command.iter().map(String::as_str).collect();
    let text = |m: &str| NewMessage {
        body: m.to_string(),
        msgtype: "m.text".into(),
        ..Default::default()
    };
    match cmd.as_slice() {
        ["rooms"] => {
            for r in session.rooms().list().await? {
                println!("{}\t{:?}\t{}", r.room_id, r.own_membership, r.name);
            }
        }
        ["create", name] => println!(
            "{}",
            session
                .rooms()
                .create(NewRoom {
                    name: name.to_string(),
                    ..Default::default()
                })
                .await?
                .room_id
        ),
        ["invite", room, user] => {
            session.rooms().invite(room, &[Mxid::parse(user)?]).await?;
        }
        ["join", room] => {
            session.rooms().join(room).await?;
        }
        ["send", room, msg] => println!("{}", session.messages().send(room, text(msg)).await?.message_id),
        ["read", room] => {
            for m in session.messages().list(room).await? {
                println!("{}\t{}\t{}", m.message_id, m.author, m.content.body);
            }
        }
        ["dm", user, msg] => println!(
            "{}",
            session
                .messages()
                .send_direct(&Mxid::parse(user)?, text(msg))
                .await?
                .room_id
        ),
        _ => return Err("unknown command".into()),
    }
    session.logout().await;
    Ok(())
}
