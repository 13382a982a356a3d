import java.io.BufferedReader;
import java.io.InputStreamReader;

public class Greeter {
    public static void main(String[] args) throws Exception {
        String name = new BufferedReader(new InputStreamReader(System.in)).readLine();
        System.out.print("Hello, " + name + "!\n");
    }
}
